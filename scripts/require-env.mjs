// Fails loudly when a suite's required environment variable is missing, instead of letting the
// suite skip the tests that need it.
const missing = process.argv.slice(2).filter((name) => !process.env[name]);
if (missing.length > 0) {
  process.stderr.write(`missing environment: ${missing.join(', ')} (e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)\n`);
  process.exit(1);
}
