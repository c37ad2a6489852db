// Reads vitest JSON reports and prints one closing line "N passed, N failed, N skipped"; exits
// non-zero when a report is missing, a test failed, nothing ran, or (for reports named with
// --no-skips) a test was skipped.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
let bad = false;
const args = process.argv.slice(2);
const noSkips = new Set();
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--no-skips') noSkips.add(args[++i]);
  else files.push(args[i]);
}
for (const file of [...files, ...noSkips]) {
  if (!existsSync(file)) {
    process.stderr.write(`ci-summary: ${file} is missing (its suite did not run to the end)\n`);
    bad = true;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const p = report.numPassedTests ?? 0;
  const f = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  process.stdout.write(`${file}: ${p} passed, ${f} failed, ${s} skipped\n`);
  if (noSkips.has(file) && s > 0) {
    process.stderr.write(`ci-summary: ${file} skipped ${s} test(s); this suite must run them all\n`);
    bad = true;
  }
  if (p === 0) bad = true;
  passed += p;
  failed += f;
  skipped += s;
}
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(bad || failed > 0 ? 1 : 0);
