import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';

// `npm run cli -- oidc clients list`: the configured relying parties, never their secrets.

const SECRET = 'the-secret-that-must-never-be-printed-0123456789';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'op-oidc-cli-'));
  writeFileSync(join(dir, 'web.secret'), `${SECRET}\n`, { mode: 0o600 });
  writeFileSync(
    join(dir, 'op.yaml'),
    [
      'domains:',
      '  - { name: montague.lit, base_url: "https://montague.lit" }',
      '  - { name: capulet.lit, base_url: "https://capulet.lit" }',
      'oidc:',
      '  clients:',
      '    - client_id: spa',
      '      client_name: Balcony app',
      '      redirect_uris: ["http://127.0.0.1:8080/cb"]',
      '      domains: [capulet.lit]',
      '    - client_id: web',
      '      client_name: Verona web',
      '      redirect_uris: ["https://verona.example/cb"]',
      '      post_logout_redirect_uris: ["https://verona.example/"]',
      `      client_secret_file: ${join(dir, 'web.secret')}`,
      '      subject_type: pairwise',
    ].join('\n') + '\n',
  );
  return dir;
}

async function cli(cwd: string, argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdin: Readable.from([]),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { OPENID_PROVIDER_CONFIG: join(cwd, 'op.yaml') },
    cwd,
  });
  return { code, out, err };
}

describe('npm run cli -- oidc clients list', () => {
  const dir = workspace();

  it('lists id, name, kind, redirect URIs and domains, never the secret', async () => {
    const listed = await cli(dir, ['oidc', 'clients', 'list']);
    expect(listed).toEqual({
      code: 0,
      err: '',
      out: [
        'spa  Balcony app  (public)',
        '  redirect_uri: http://127.0.0.1:8080/cb',
        '  domains: capulet.lit',
        'web  Verona web  (confidential)',
        '  redirect_uri: https://verona.example/cb',
        '  post_logout_redirect_uri: https://verona.example/',
        '  domains: montague.lit, capulet.lit',
        '  pairwise subjects, sector: verona.example',
        '',
      ].join('\n'),
    });
    const json = await cli(dir, ['oidc', 'clients', 'list', '--json', '--domain', 'montague.lit']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual([
      { client_id: 'web', client_name: 'Verona web', kind: 'confidential', redirect_uris: ['https://verona.example/cb'], post_logout_redirect_uris: ['https://verona.example/'], domains: ['montague.lit', 'capulet.lit'], subject_type: 'pairwise', sector: 'verona.example' },
    ]);
    expect(listed.out + json.out).not.toContain(SECRET);
  });

  it('refuses unknown commands, options and domains (exit 2)', async () => {
    expect((await cli(dir, ['oidc', 'clients', 'remove'])).code).toBe(2);
    expect((await cli(dir, ['oidc', 'clients', 'list', '--all'])).code).toBe(2);
    const unknown = await cli(dir, ['oidc', 'clients', 'list', '--domain', 'verona.lit']);
    expect(unknown).toMatchObject({ code: 2, err: 'verona.lit is not a configured domain (montague.lit, capulet.lit)\n' });
  });
});
