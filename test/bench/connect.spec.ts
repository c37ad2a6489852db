import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/config.loader.js';
import { clientsOf, loadClients } from '../../src/oidc/oidc-clients.js';
import { parseOptions } from '../../bench/options.js';
import { authorizationPath, clientSecretBasic, codeOf, type OidcClient, pkceChallenge, readAuthorizationResponse, tokenBody } from '../../bench/oidc-rp.js';
import { BENCH_CLIENT, clientSecret, clientSecretPath, writeProviderConfig } from '../../bench/provider.js';
import { type BenchResults, chart, machineLine, resultsTable, targetsTable, W6_TARGET } from '../../bench/report.js';

// The benchmark's OpenID Connect workloads (W6-auth, W6) outside wrk: the options, the relying
// party's encodings (against the RFCs' own examples), the client written into the provider's
// configuration (read by the provider's own loader), and the report's rows and target.

const client: OidcClient = { clientId: BENCH_CLIENT.clientId, secret: 's'.repeat(43), redirectUri: BENCH_CLIENT.redirectUri, verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', state: 'st' };

describe('bench OpenID Connect workloads', () => {
  it('runs W6-auth and W6 by default and profiles them, and refuses W6 without the codes of W6-auth', () => {
    const options = parseOptions([], {});
    expect(options.only.slice(-2)).toEqual(['W6-auth', 'W6']);
    expect(parseOptions(['--profile'], {}).profile).toEqual(expect.arrayContaining(['W6-auth', 'W6']));
    expect(parseOptions(['--only=W0,W6-auth,W6'], {}).only).toEqual(['W0', 'W6-auth', 'W6']);
    expect(parseOptions(['--only=W6-auth'], {}).only).toEqual(['W6-auth']);
    expect(() => parseOptions(['--only=W0,W6'], {})).toThrow(/W6 exchanges the codes W6-auth produces/);
    expect(() => parseOptions(['--only=W7'], {})).toThrow(/unknown workload W7/);
  });

  it('encodes PKCE and client_secret_basic as the RFCs\' examples do', () => {
    // RFC 7636 Appendix B.
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    // RFC 6749 §2.3.1 (the example of §4.1.3).
    expect(clientSecretBasic('s6BhdRkqt3', '7Fjfp0ZBr1KtDRbnfVdmIw')).toBe('Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3');
    // Appendix B's form encoding first: a colon in either part cannot end the client_id early.
    expect(Buffer.from(clientSecretBasic('a b:c', 'd:é').slice(6), 'base64').toString()).toBe('a+b%3Ac:d%3A%C3%A9');
    const query = new URL(`https://op.example${authorizationPath(client)}`).searchParams;
    expect(Object.fromEntries(query)).toEqual({ response_type: 'code', client_id: 'bench-rp', redirect_uri: 'https://localhost:4443/oidc/callback', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 'st' });
    expect(Object.fromEntries(new URLSearchParams(tokenBody(client, 'c1')))).toEqual({ grant_type: 'authorization_code', code: 'c1', redirect_uri: client.redirectUri, code_verifier: client.verifier });
  });

  it('reads the authorization response as an RP: the redirect_uri, no error, its iss and state, a code', () => {
    const iss = 'https://localhost:8443';
    const answer = (status: number, location: string) => ({ status, headers: { location }, body: '', url: '' });
    const good = `${client.redirectUri}?code=abc&state=st&iss=${encodeURIComponent(iss)}`;
    expect(readAuthorizationResponse(answer(303, good), client, iss)).toEqual({ code: 'abc' });
    expect(codeOf(good)).toBe('abc');
    expect(readAuthorizationResponse(answer(200, good), client, iss)).toMatchObject({ wrong: /not a 303 redirect/ });
    expect(readAuthorizationResponse(answer(303, `https://other.example/cb?code=abc&state=st&iss=${encodeURIComponent(iss)}`), client, iss)).toMatchObject({ wrong: /not to the redirect_uri/ });
    expect(readAuthorizationResponse(answer(303, `${client.redirectUri}?error=consent_required&state=st&iss=${encodeURIComponent(iss)}`), client, iss)).toMatchObject({ wrong: /error=consent_required/ });
    // RFC 9207 §2.4: a response naming another issuer is refused (mix-up).
    expect(readAuthorizationResponse(answer(303, `${client.redirectUri}?code=abc&state=st&iss=${encodeURIComponent('https://evil.example')}`), client, iss)).toMatchObject({ wrong: /iss=/ });
    expect(readAuthorizationResponse(answer(303, `${client.redirectUri}?code=abc&state=other&iss=${encodeURIComponent(iss)}`), client, iss)).toMatchObject({ wrong: /state/ });
  });

  it('registers a confidential client whose secret file, private to this user, the provider loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-oidc-'));
    try {
      const config = parseConfig(parse(readFileSync(writeProviderConfig({ repo: dir, dir, port: 1, workers: 1, postgres: false }), 'utf8')), null);
      expect(statSync(clientSecretPath({ dir })).mode & 0o777).toBe(0o600);
      const secret = clientSecret({ dir });
      // Written once per run: a restart (the next worker pass) keeps it.
      writeProviderConfig({ repo: dir, dir, port: 1, workers: 2, postgres: true });
      expect(clientSecret({ dir })).toBe(secret);
      expect(config.oidc.clients).toEqual([expect.objectContaining({ client_id: 'bench-rp', redirect_uris: ['https://localhost:4443/oidc/callback'], client_secret_file: clientSecretPath({ dir }) })]);
      const [metadata] = clientsOf(config.domains[0]!, await loadClients(config.oidc.clients));
      expect(metadata).toMatchObject({ client_id: 'bench-rp', token_endpoint_auth_method: 'client_secret_basic', client_secret: secret });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports W6-auth and W6: against W0 and the RS256 limit, its target, "not offered" for the peer, the chart', () => {
    const run = (id: string, rps: number, extra: object = {}) => ({ id, description: id, requestsPerSecond: rps, requests: rps * 10, seconds: 10, errors: 0, unexpected: 0, latencyMs: { p50: 1, p90: 2, p99: 70 }, ...extra });
    const results = {
      machine: { cores: 2, cpu: 'x', memoryGiB: 1, loadAverageAtStart: [1, 1, 1], loadAverageAtEnd: [1, 1, 1], node: 'Node', wrk: 'wrk', os: 'Linux' },
      settings: { connections: 16, threads: 2, durationSeconds: 10, warmupSeconds: 3, database: 'PostgreSQL', tls: 'TLS', realm: 'r' },
      startedAt: '2026-12-03T00:00:00.000Z',
      dhLimitOneCore: 2000,
      rs256LimitOneCore: 1000,
      micro: [],
      profiles: {},
      targets: [
        { name: 'provider', label: 'openid-provider (1 worker)', workers: 1, notes: [], workloads: [run('W0', 10000), run('W6-auth', 2000, { ratioToW0: 0.2 }), run('W6', 800, { ratioToW0: 0.08, ratioToSignLimit: 0.8 })] },
        { name: 'peer', label: 'Net::OpenID::Server', workers: 2, notes: [], workloads: [] },
      ],
    } as unknown as BenchResults;
    const table = resultsTable(results);
    expect(table).toContain('| openid-provider (1 worker) | 800 | 0.080 (0.80× RS256 limit) |');
    expect(table).toContain('| Net::OpenID::Server | not offered |');
    const targets = targetsTable(results);
    expect(W6_TARGET).toBe(0.5);
    expect(targets).toContain('| W6 (token exchange) ≥ 0.5× the one-core RS256 signature limit | met: 0.80× (800/s) |');
    // The p99 target is issue 10's, for the OpenID 2.0 workloads: W6's 70 ms is not judged by it.
    expect(targets).toContain('| p99 < 50 ms at 16 connections (W1, W3, W4, W5, W2-plain) | not measured |');
    const svg = chart(results);
    expect(svg).toContain('RS256 one-core limit 1,000/s');
    expect(svg).toContain('Net::OpenID::Server: no OpenID Connect');
    expect(machineLine(results)).toContain('each pass W6-auth, W6, W0 once');
  });
});
