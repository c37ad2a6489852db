import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { newOperatorKey, replaceKeyFile } from '../src/secrets/key-file.js';

// With TEST_DATABASE_URL set (a PostgreSQL server the tests may create databases on), the whole
// run gets a fresh database, dropped at the end; an unreachable server fails the run, it never
// falls back silently. Without it, every suite runs on the embedded database.

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string | null;
    /** A certificate for localhost/127.0.0.1 that every test process trusts (NODE_EXTRA_CA_CERTS). */
    tls: { cert: string; key: string };
    /**
     * The operator key file (secrets.key_file) of the whole run: every test process seals with the
     * same key, as every instance of a deployment shares one key file, so that rows one suite
     * sealed in the shared PostgreSQL database (the derivation key of private associations) open
     * in every other.
     */
    operatorKeyFile: string;
  }
}

/**
 * One TLS certificate for the whole run, trusted by the test processes through
 * NODE_EXTRA_CA_CERTS (read by Node at start-up, so set here, before the workers are spawned):
 * the RP library, axios and node:https then verify the provider's certificate as in production.
 */
async function testCertificate(project: TestProject): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'op-test-tls-'));
  const generated = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, generated.cert);
  writeFileSync(key, generated.private, { mode: 0o600 });
  process.env['NODE_EXTRA_CA_CERTS'] = cert;
  project.provide('tls', { cert, key });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  await testCertificate(project);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'op-test-keys-')), 'operator.keys');
  replaceKeyFile(keyFile, [newOperatorKey(new Date())]);
  project.provide('operatorKeyFile', keyFile);
  const adminUrl = process.env['TEST_DATABASE_URL'];
  if (!adminUrl) {
    project.provide('databaseUrl', null);
    return;
  }
  const name = `openid_provider_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable (${(error as Error).message}): refusing to run the suite without it`, { cause: error });
  }
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  project.provide('databaseUrl', url.toString());
  process.stderr.write(`[tests] PostgreSQL: fresh database ${name}\n`);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  };
}
