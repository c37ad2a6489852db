import { createDiffieHellman, createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AssociationService } from '../../src/association/association.service.js';
import { DEFAULT_DH_MODULUS } from '../../src/protocol/consts.js';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// Attacks on associate (OpenID 2.0 §8): MAC keys in the clear over plain HTTP (§8.4.1, §15.1.2),
// and degenerate Diffie-Hellman parameters (§8.1.2; RFC 2631 §2.1.5 public-key checks, the
// small-subgroup confinement of Lim & Lee, CRYPTO '97; Logjam, CVE-2015-4000, for small moduli).
// Each is a §8.2.4 / §5.1.2.2 direct error: HTTP 400, key-value, no association made, never 500.

const NS = 'http://specs.openid.net/auth/2.0';
const p = DEFAULT_DH_MODULUS;

/** btwoc (§4.2): big-endian two's complement, a leading 0 byte when the top bit is set. */
function btwoc(n: bigint): Buffer {
  if (n === 0n) return Buffer.from([0]);
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

const b64 = (n: bigint): string => btwoc(n).toString('base64');

function oddModulus(bits: number): string {
  const bytes = Buffer.alloc(Math.ceil(bits / 8), 0xff);
  return Buffer.concat([Buffer.from([0]), bytes]).toString('base64');
}

describe('associate attacks (OpenID 2.0 §8)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, openid: { associate_rate_limit: { burst: 10_000, per_second: 10_000 } } }));
  });
  afterAll(() => t?.close());

  const associate = (fields: Record<string, string>, proto = 'https') =>
    t.app.inject({
      method: 'POST',
      url: '/openid',
      headers: { host: 'example.org', 'x-forwarded-proto': proto, 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
      payload: new URLSearchParams({ 'openid.ns': NS, 'openid.mode': 'associate', 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': 'DH-SHA256', ...fields }).toString(),
    });

  async function associations(): Promise<number> {
    const [row] = (await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM associations')) as { n: number }[];
    return row!.n;
  }

  async function expectRefused(res: Awaited<ReturnType<typeof associate>>, before: number): Promise<void> {
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toMatch(/^ns:http:\/\/specs\.openid\.net\/auth\/2\.0\nerror:[^\n]+\n/);
    for (const key of ['assoc_handle:', 'mac_key:', 'enc_mac_key:', 'dh_server_public:']) expect(res.body).not.toContain(key);
    expect(await associations()).toBe(before);
  }

  const rpKey = createDiffieHellman(b64(p), 'base64', Buffer.from([2]));
  rpKey.generateKeys();
  const goodPublic = b64(BigInt(`0x${rpKey.getPublicKey('hex')}`));

  it('control: a proper DH-SHA256 association works and its MAC key decrypts (§8.2.3)', async () => {
    const res = await associate({ 'openid.dh_consumer_public': goodPublic });
    expect(res.statusCode).toBe(200);
    const kv = Object.fromEntries(res.body.trimEnd().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
    const shared = BigInt(`0x${rpKey.computeSecret(Buffer.from(kv['dh_server_public']!, 'base64')).toString('hex')}`);
    const mask = createHash('sha256').update(btwoc(shared)).digest();
    const macKey = Buffer.from(kv['enc_mac_key']!, 'base64').map((b, i) => b ^ mask[i]!);
    const stored = await t.app.get(AssociationService).find(kv['assoc_handle']!, 'shared');
    expect(Buffer.from(macKey).equals(stored!.secret)).toBe(true);
  });

  describe('§8.4.1: no-encryption only over TLS', () => {
    it('refuses no-encryption from a trusted proxy that says plain HTTP (unsupported-type, a DH pair offered instead)', async () => {
      const before = await associations();
      const res = await associate({ 'openid.session_type': 'no-encryption' }, 'http');
      // The HTTPS-only rule answers first for plain HTTP on a TLS-only provider.
      expect([400, 403]).toContain(res.statusCode);
      expect(res.body).not.toContain('mac_key:');
      expect(await associations()).toBe(before);
    });

    it('control: no-encryption over TLS (vouched by the trusted proxy) hands out a MAC key', async () => {
      const res = await associate({ 'openid.session_type': 'no-encryption' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/\nmac_key:[A-Za-z0-9+/]{43}=\n/);
    });
  });

  describe.each([
    ['0', () => b64(0n)],
    ['1', () => b64(1n)],
    ['p-1 (order 2: shared secret ±1)', () => b64(p - 1n)],
    ['p', () => b64(p)],
    ['p+1', () => b64(p + 1n)],
    ['larger than p (2^2048)', () => b64(1n << 2048n)],
    ['empty', () => ''],
    ['tiny (2 = g: the shared secret would be dh_server_public)', () => b64(2n)],
    ['tiny (3)', () => b64(3n)],
    ['tiny (2^64)', () => b64(1n << 64n)],
    ['huge (16 kB of base64)', () => 'A'.repeat(16_000)],
    ['negative in btwoc (§4.2)', () => Buffer.from([0x80, 1, 2, 3]).toString('base64')],
    ['not base64', () => '!!not-base64!!'],
  ])('dh_consumer_public %s', (_name, value) => {
    it('is a direct error, no association made (§8.1.2, §8.2.4)', async () => {
      const before = await associations();
      await expectRefused(await associate({ 'openid.dh_consumer_public': value() }), before);
    });
  });

  describe.each([
    ['tiny (512 bits, Logjam territory)', () => oddModulus(511)],
    ['tiny (a 1-byte modulus)', () => b64(23n)],
    ['huge (4104 bits, over 4096)', () => oddModulus(4103)],
    ['over openid.dh_max_modulus_bits (3072 > 2048)', () => oddModulus(3071)],
    ['even (the default modulus + 1)', () => b64(p + 1n)],
    ['odd but composite (the default modulus + 4, a multiple of 3)', () => b64(p + 4n)],
    ['odd but composite (2^1024 - 1)', () => oddModulus(1024)],
    ['zero', () => b64(0n)],
    ['empty', () => ''],
  ])('dh_modulus %s', (_name, value) => {
    it('is a direct error, no association made (§8.1.2)', async () => {
      const before = await associations();
      await expectRefused(await associate({ 'openid.dh_modulus': value(), 'openid.dh_consumer_public': goodPublic }), before);
    });
  });

  describe.each([
    ['0', () => b64(0n)],
    ['1 (every key is 1)', () => b64(1n)],
    ['p-1 (order 2)', () => b64(p - 1n)],
    ['p', () => b64(p)],
    ['larger than p', () => b64(p + 2n)],
    ['empty', () => ''],
  ])('dh_gen %s', (_name, value) => {
    it('is a direct error, no association made (§8.1.2, RFC 2631 §2.1.1)', async () => {
      const before = await associations();
      await expectRefused(await associate({ 'openid.dh_gen': value(), 'openid.dh_consumer_public': goodPublic }), before);
    });
  });
});

describe('§8.4.1 on a provider that serves plain HTTP (security.https_only: false)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ domains: [{ name: 'example.org', base_url: 'http://example.org' }], security: { https_only: false }, server: { trusted_proxies: ['10.0.0.1'] } }));
  });
  afterAll(() => t?.close());

  const noEncryption = (headers: Record<string, string>, remoteAddress: string) =>
    t.app.inject({
      method: 'POST',
      url: '/openid',
      remoteAddress,
      headers: { host: 'example.org', 'content-type': 'application/x-www-form-urlencoded', accept: '*/*', ...headers },
      payload: new URLSearchParams({ 'openid.ns': NS, 'openid.mode': 'associate', 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': 'no-encryption' }).toString(),
    });

  it('refuses no-encryption over plain HTTP with unsupported-type and offers a DH pair (§8.4.1, §8.2.4)', async () => {
    const res = await noEncryption({}, '192.0.2.7');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('error_code:unsupported-type\n');
    expect(res.body).toMatch(/\nsession_type:DH-SHA(1|256)\n/);
    expect(res.body).not.toContain('mac_key:');
  });

  it('refuses it when an untrusted client claims X-Forwarded-Proto: https', async () => {
    const res = await noEncryption({ 'x-forwarded-proto': 'https' }, '192.0.2.7');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('error_code:unsupported-type\n');
    expect(res.body).not.toContain('mac_key:');
  });

  it('control: a trusted proxy vouching for TLS gets the association', async () => {
    const res = await noEncryption({ 'x-forwarded-proto': 'https' }, '10.0.0.1');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/\nmac_key:/);
  });
});
