import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { generate } from 'selfsigned';
import type { Logger } from 'pino';
import type { Config } from '../config/config.schema.js';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  /** Where the certificate came from, and its SHA-256 fingerprint, for the start-up log. */
  certPath: string;
  fingerprint256: string;
}

/**
 * The listener's TLS material: the configured files, a development certificate generated under
 * {data_dir}/tls for `tls: auto`, or undefined for a plain-HTTP listener behind a TLS proxy.
 */
export async function resolveTls(config: Config, logger: Logger, now = new Date()): Promise<TlsMaterial | undefined> {
  const tls = config.server.tls;
  if (tls === undefined) return undefined;
  if (tls !== 'auto') return readConfigured(tls.cert, tls.key);

  const dir = resolve(config.data_dir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const names = subjectNames(config);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const existing = new X509Certificate(readFileSync(certPath));
    if (covers(existing, names) && new Date(existing.validTo).getTime() > now.getTime() + 7 * 86_400_000) {
      return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath, fingerprint256: existing.fingerprint256 };
    }
    logger.warn({ certPath }, 'development certificate does not cover the configured domains or expires soon: generating a new one');
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const generated = await generate([{ name: 'commonName', value: names.dns[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ip.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  writeFileSync(keyPath, generated.private, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  writeFileSync(certPath, generated.cert);
  const cert = new X509Certificate(generated.cert);
  logger.warn({ certPath, fingerprint256: cert.fingerprint256 }, 'generated a self-signed development certificate: clients must be told to trust it; use real certificates in production');
  return { key: Buffer.from(generated.private), cert: Buffer.from(generated.cert), certPath, fingerprint256: cert.fingerprint256 };
}

function readConfigured(certPath: string, keyPath: string): TlsMaterial {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(certPath);
    key = readFileSync(keyPath);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new Error(`server.tls: cannot read ${e.path ?? 'the certificate or key'}: ${e.code ?? 'error'}`, { cause: error });
  }
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`server.tls.cert: ${certPath} is not a PEM certificate`, { cause: error });
  }
  return { cert, key, certPath: resolve(certPath), fingerprint256: parsed.fingerprint256 };
}

function subjectNames(config: Config): { dns: string[]; ip: string[] } {
  const dns = new Set<string>();
  const ip = new Set<string>(['127.0.0.1', '::1']);
  for (const d of config.domains) {
    const host = new URL(d.base_url).hostname.replace(/^\[|\]$/g, '');
    (isIP(host) ? ip : dns).add(host);
  }
  dns.add('localhost');
  return { dns: [...dns], ip: [...ip] };
}

function covers(cert: X509Certificate, names: { dns: string[]; ip: string[] }): boolean {
  return names.dns.every((n) => cert.checkHost(n) !== undefined) && names.ip.every((n) => cert.checkIP(n) !== undefined);
}
