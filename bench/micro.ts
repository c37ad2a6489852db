// In-process microbenchmarks of the raw limits the workloads are judged against:
//   - the DH-SHA256 associate maths with the spec's default modulus (OpenID 2.0 Appendix B): per
//     association one fresh private exponent, g^xb mod p, the shared secret (g^xa)^xb mod p,
//     SHA-256 of its btwoc and the XOR with a 32-byte MAC key. "Reused" is one DiffieHellman
//     object per group (OpenSSL checks the prime once); on one core, then on every core at once
//     (worker_threads), since associate is CPU-bound and only scales across cores;
//   - the same maths through the provider's own code (dist/protocol/dh.js: a reused DH context
//     per group since e8d3bcd), and with a DiffieHellman object built per request (prime check
//     every time);
//   - HMAC-SHA256 of 400 bytes (about one assertion's signed text);
//   - an RS256 signature (RFC 7518 §3.3: RSASSA-PKCS1-v1_5 with SHA-256) with a 2048-bit key, the
//     provider's ID token signing key size (src/oidc/keys), over the signing input of a typical ID
//     token: the one private-key operation of each W6 token exchange, its raw limit.

import { createDiffieHellman, createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { btwoc, ConsumerKeys, DEFAULT_GENERATOR, DEFAULT_MODULUS } from './rp.js';

export interface MicroResult {
  name: string;
  description: string;
  opsPerSecond: number;
  ops: number;
  seconds: number;
  threads: number;
}

/** Runs `op` in batches until `seconds` have passed; operations per second. */
export function timeLoop(seconds: number, op: () => void): { ops: number; seconds: number } {
  const budget = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed = 0n;
  let batch = 1;
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) op();
    ops += batch;
    elapsed = process.hrtime.bigint() - start;
    if (elapsed < budget / 20n) batch *= 2;
  }
  return { ops, seconds: Number(elapsed) / 1e9 };
}

function privateExponent(): Buffer {
  const x = randomBytes(DEFAULT_MODULUS.length);
  x[0] = x[0]! & 0x7f;
  return x;
}

/** One associate's DH-SHA256 maths on a reused DiffieHellman object. */
export function reusedDhAssociate(): () => void {
  const dh = createDiffieHellman(DEFAULT_MODULUS, DEFAULT_GENERATOR);
  const consumer = new ConsumerKeys().create().publicKey;
  const macKey = randomBytes(32);
  return () => {
    dh.setPrivateKey(privateExponent());
    dh.generateKeys();
    const digest = createHash('sha256').update(btwoc(dh.computeSecret(consumer))).digest();
    for (let i = 0; i < 32; i++) digest[i] = digest[i]! ^ macKey[i]!;
  };
}

/** The same with the prime check of a new DiffieHellman object on every request. */
function perRequestDhAssociate(): () => void {
  const consumer = new ConsumerKeys().create().publicKey;
  const macKey = randomBytes(32);
  return () => {
    const dh = createDiffieHellman(DEFAULT_MODULUS, DEFAULT_GENERATOR);
    dh.generateKeys();
    const digest = createHash('sha256').update(btwoc(dh.computeSecret(consumer))).digest();
    for (let i = 0; i < 32; i++) digest[i] = digest[i]! ^ macKey[i]!;
  };
}

interface ProviderDh {
  dhServerExchange(sessionType: 'DH-SHA256', request: { modulus: bigint; generator: bigint; consumerPublic: bigint }, macKey: Uint8Array, randomBytes: (n: number) => Uint8Array): unknown;
}

function toBigInt(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex')}`);
}

function hmac400(): () => void {
  const key = randomBytes(32);
  const text = randomBytes(400);
  return () => {
    createHmac('sha256', key).update(text).digest();
  };
}

/** RS256 over an ID token's JWS signing input (RFC 7515 §5.1: BASE64URL(header) '.' BASE64URL(payload)). */
function rs256IdToken(): () => void {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = Buffer.from(
    `${b64({ alg: 'RS256', typ: 'JWT', kid: randomBytes(16).toString('base64url') })}.${b64({ sub: randomBytes(16).toString('hex'), auth_time: now, amr: ['pwd'], at_hash: randomBytes(16).toString('base64url'), sid: randomBytes(16).toString('base64url'), aud: 'bench-rp', exp: now + 3600, iat: now, iss: 'https://localhost:8443' })}`,
  );
  return () => {
    sign('sha256', input, privateKey);
  };
}

async function allCores(seconds: number, threads: number): Promise<{ ops: number; seconds: number }> {
  const script = new URL('./micro-worker.js', import.meta.url);
  // Each worker times its own loop (thread start-up and the prime check excluded); they run at
  // the same time, so the rates add up.
  const runs = await Promise.all(
    Array.from({ length: threads }, () => new Promise<{ ops: number; seconds: number }>((resolve, reject) => {
      const worker = new Worker(script, { workerData: { seconds } });
      worker.once('message', resolve);
      worker.once('error', reject);
    })),
  );
  const rate = runs.reduce((sum, r) => sum + r.ops / r.seconds, 0);
  return { ops: runs.reduce((sum, r) => sum + r.ops, 0), seconds: runs.reduce((sum, r) => sum + r.ops, 0) / rate };
}

export async function runMicrobenchmarks(seconds: number, repo: string): Promise<MicroResult[]> {
  const results: MicroResult[] = [];
  const record = (name: string, description: string, run: { ops: number; seconds: number }, threads = 1): void => {
    const result = { name, description, ops: run.ops, seconds: run.seconds, opsPerSecond: run.ops / run.seconds, threads };
    results.push(result);
    process.stdout.write(`  ${name.padEnd(22)} ${result.opsPerSecond.toFixed(0).padStart(9)}/s  ${description}\n`);
  };
  const reused = reusedDhAssociate();
  reused();
  record('dh-sha256-1core', 'DH-SHA256 associate maths, default modulus, one reused DiffieHellman, one core', timeLoop(seconds, reused));
  const cores = availableParallelism();
  record('dh-sha256-allcores', `the same on ${cores} worker threads at once`, await allCores(seconds, cores), cores);

  const providerDh = (await import(pathToFileURL(join(repo, 'dist/protocol/dh.js')).href)) as ProviderDh;
  const consumerPublic = toBigInt(new ConsumerKeys().create().publicKey);
  const group = { modulus: toBigInt(DEFAULT_MODULUS), generator: BigInt(DEFAULT_GENERATOR), consumerPublic };
  const macKey = randomBytes(32);
  const provider = (): void => void providerDh.dhServerExchange('DH-SHA256', group, macKey, randomBytes);
  provider();
  record('dh-sha256-provider', "the provider's dhServerExchange (dist/protocol/dh.js: its reused DH context for the default group), one core", timeLoop(seconds, provider));
  const perRequest = perRequestDhAssociate();
  record('dh-sha256-new-object', 'a DiffieHellman built per request (OpenSSL prime check each time), one core', timeLoop(Math.min(seconds, 1), perRequest));
  const hmac = hmac400();
  record('hmac-sha256-400B', 'HMAC-SHA256 of 400 bytes, one core', timeLoop(seconds, hmac));
  const rs256 = rs256IdToken();
  rs256();
  record('rs256-sign-1core', 'RS256 signature (RSA 2048) of an ID token, node:crypto, one core', timeLoop(seconds, rs256));
  return results;
}
