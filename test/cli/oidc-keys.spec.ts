import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';
import { closeEmbedded } from '../../src/database/embedded.js';
import { newOperatorKey, readKeyFile, replaceKeyFile } from '../../src/secrets/key-file.js';
import { useOwnDatabase } from '../helpers/databases.js';

// `npm run cli -- oidc keys list|rotate|remove`, run in-process against real config files and a
// database of its own (PostgreSQL with TEST_DATABASE_URL, else an embedded directory): exit
// codes, output, the rules of removal, the audit log.

async function cli(config: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdin: Readable.from([]),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { OPENID_PROVIDER_CONFIG: config },
    cwd: join(config, '..'),
  });
  return { code, out, err };
}

const LINE = /^(\S{43})\t(RS256|ES256)\t(\d{4}-\d{2}-\d{2}T\S+Z)\t(.*)$/;

describe('npm run cli -- oidc keys …', () => {
  const own = useOwnDatabase('openid_provider_oidc_keys_cli');
  const dir = mkdtempSync(join(tmpdir(), 'op-oidc-keys-cli-'));
  /** The same database and key file; `short` retains retired keys for 1 s only. */
  const config = { normal: join(dir, 'normal.yaml'), short: join(dir, 'short.yaml') };
  beforeAll(() => {
    replaceKeyFile(join(dir, 'operator.keys'), [newOperatorKey(new Date())]);
    const url = own.config().database?.url;
    for (const [name, retain] of [['normal', undefined], ['short', '1s']] as const) {
      const yaml = [
        'domains:',
        '  - name: montague.lit',
        '    base_url: https://montague.lit',
        'database:',
        url ? `  url: ${url}` : `  embedded_dir: ${join(dir, 'pglite')}`,
        'secrets:',
        `  key_file: ${join(dir, 'operator.keys')}`,
        ...(retain ? ['oidc:', '  keys:', `    retain_for: ${retain}`] : []),
      ].join('\n');
      writeFileSync(config[name], `${yaml}\n`);
    }
  });
  afterAll(() => closeEmbedded());

  it('list generates the keys on first use; rotate retires them (still published); remove refuses active and published keys, then removes an expired one; all audited', async () => {
    const first = await cli(config.normal, ['oidc', 'keys', 'list']);
    expect(first.code, first.err).toBe(0);
    const lines = first.out.trim().split('\n');
    expect(lines.map((l) => LINE.exec(l)?.slice(2, 5).filter((_, i) => i !== 1))).toEqual([
      ['RS256', 'active'],
      ['ES256', 'active'],
    ]);
    const [rs, es] = lines.map((l) => LINE.exec(l)![1]!);
    // Never key material.
    expect(first.out + first.err).not.toMatch(/"d"|"n"|"x"|PRIVATE/);

    const rotated = await cli(config.normal, ['oidc', 'keys', 'rotate']);
    expect(rotated.code, rotated.err).toBe(0);
    const rotatedAt = Date.now();
    expect(rotated.out).toMatch(/^new active RS256 key \S{43}\nnew active ES256 key \S{43}\nthe previous keys are retired and stay published for 604800 s/);

    const listed = await cli(config.normal, ['oidc', 'keys', 'list']);
    const states = new Map(listed.out.trim().split('\n').map((l) => [LINE.exec(l)![1]!, LINE.exec(l)![4]!]));
    expect(states.size).toBe(4);
    expect(states.get(rs!)).toMatch(/^retired \S+Z, published until \S+Z$/);
    expect(states.get(es!)).toMatch(/^retired /);
    const json = JSON.parse((await cli(config.normal, ['oidc', 'keys', 'list', '--json'])).out) as { kid: string; state: string; alg: string }[];
    expect(json.filter((k) => k.state === 'active').map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    const active = json.find((k) => k.state === 'active')!.kid;

    expect(await cli(config.normal, ['oidc', 'keys', 'remove', active])).toMatchObject({ code: 1, err: expect.stringContaining('is the active') });
    expect(await cli(config.normal, ['oidc', 'keys', 'remove', rs!])).toMatchObject({ code: 1, err: expect.stringContaining('still published until') });
    expect(await cli(config.normal, ['oidc', 'keys', 'remove', 'no-such-kid'])).toMatchObject({ code: 1, err: expect.stringContaining('no OpenID Connect signing key no-such-kid') });
    // With retain_for 1 s, once a second has passed since the rotation, the retired key is removable.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, rotatedAt + 1100 - Date.now())));
    expect((await cli(config.short, ['oidc', 'keys', 'list'])).out).toContain(`${rs}\tRS256\t`);
    expect(await cli(config.short, ['oidc', 'keys', 'remove', rs!])).toMatchObject({ code: 0, out: `removed signing key ${rs}\n` });
    expect((await cli(config.normal, ['oidc', 'keys', 'list'])).out).not.toContain(rs!);

    const audit = await cli(config.normal, ['audit', '--kind', 'oidc_signing_key_rotated,oidc_signing_key_removed', '--json']);
    expect(audit.code, audit.err).toBe(0);
    expect(audit.out.trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['oidc_signing_key_removed', 'oidc_signing_key_rotated']);
  }, 180_000);

  it('keys rotate (the operator key) re-seals the signing keys, so that the old operator key can be removed without losing them', async () => {
    const signing = JSON.parse((await cli(config.normal, ['oidc', 'keys', 'list', '--json'])).out) as { kid: string; operatorKeyId: string }[];
    const [operatorKey] = new Set(signing.map((k) => k.operatorKeyId));
    const before = await cli(config.normal, ['keys', 'list']);
    expect(before.out).toContain(`${operatorKey}\t`);
    expect(before.out).toContain(`${signing.length} OpenID Connect signing keys`);
    // A newer operator key added by hand (no re-sealing): the old one still seals the signing
    // keys, and is not removable, not even with --force.
    const file = join(dir, 'operator.keys');
    replaceKeyFile(file, [...readKeyFile(file).keys, newOperatorKey(new Date())]);
    for (const force of [[], ['--force']]) {
      expect(await cli(config.normal, ['keys', 'remove', operatorKey!, ...force])).toMatchObject({ code: 1, err: expect.stringContaining(`still seals ${signing.length} OpenID Connect signing keys: run keys rotate`) });
    }
    const rotated = await cli(config.normal, ['keys', 'rotate']);
    expect(rotated.code, rotated.err).toBe(0);
    expect(rotated.out).toContain(`and ${signing.length} OpenID Connect signing keys under`);
    const removed = await cli(config.normal, ['keys', 'remove', operatorKey!]);
    expect(removed.code, removed.err).toBe(0);
    const after = JSON.parse((await cli(config.normal, ['oidc', 'keys', 'list', '--json'])).out) as { kid: string; operatorKeyId: string }[];
    expect(after.map((k) => k.kid)).toEqual(signing.map((k) => k.kid));
    expect(after.every((k) => k.operatorKeyId !== operatorKey)).toBe(true);
    // The keys still open under the new operator key (the list above generated nothing new).
    expect((await cli(config.normal, ['oidc', 'keys', 'list'])).code).toBe(0);
  }, 120_000);

  it('usage errors exit 2 before anything is opened', async () => {
    for (const argv of [['oidc'], ['oidc', 'keys'], ['oidc', 'keys', 'frobnicate'], ['oidc', 'clients', 'frobnicate'], ['oidc', 'keys', 'remove'], ['oidc', 'keys', 'remove', 'a', 'b'], ['oidc', 'keys', 'rotate', 'x'], ['oidc', 'keys', 'rotate', '--json'], ['oidc', 'keys', 'list', '--all']]) {
      const r = await cli(config.normal, argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toContain('oidc keys rotate');
    }
    const help = await cli(config.normal, ['--help']);
    expect(help.out).toContain('oidc keys remove <kid>');
  });

  it('takes a kid that starts with "-" (RFC 7638 thumbprints do, one in 64) as the kid, not as an unknown option', async () => {
    const kid = `-${'A'.repeat(42)}`;
    expect(await cli(config.normal, ['oidc', 'keys', 'remove', kid])).toMatchObject({ code: 1, err: expect.stringContaining(`no OpenID Connect signing key ${kid}`) });
    // Options are still options, and an unknown short one is still refused.
    expect((await cli(config.normal, ['oidc', 'keys', 'list', '--json'])).code).toBe(0);
    expect((await cli(config.normal, ['oidc', 'keys', 'list', '-x'])).code).toBe(2);
  });
});
