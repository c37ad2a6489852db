import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWrk, wrkVersion } from '../../bench/wrk.js';

// The benchmark's error accounting (bench/wrk/*.lua through bench/wrk.ts) on a tiny run against a
// stub that answers half of the requests wrongly: every wrong answer must count, and the
// single-use lists of W4 and W6 must send each entry once and stop the load when they run out.
// Needs Debian's wrk (.ci/run installs it).

const REDIRECT_URI = 'https://rp.example/oidc/callback';
const CLIENT_AUTH = 'Basic YmVuY2gtcnA6c2VjcmV0';
const OIDC_COOKIE = '__Host-op-session=a; _session=b; _session.sig=c';

const scripts = join(import.meta.dirname, '../../bench/wrk');

describe('bench/wrk scripts', () => {
  let server: Server;
  let url: string;
  let dir: string;
  let answered = 0;
  /** W6: the token request bodies the stub received, and the requests with a wrong header. */
  let exchanged: string[] = [];
  let wrongHeaders = 0;

  beforeAll(async () => {
    if (!wrkVersion()) throw new Error('wrk is missing: apt-get install wrk');
    dir = mkdtempSync(join(tmpdir(), 'bench-lua-'));
    server = createServer((req, res) => {
      if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      answered++;
      if (req.url === '/oidc/token') {
        let body = '';
        req.setEncoding('utf8').on('data', (c: string) => (body += c));
        req.on('end', () => {
          exchanged.push(body);
          if (req.headers.authorization !== CLIENT_AUTH || req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
            wrongHeaders++;
            return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
          }
          if (answered % 2) return void res.writeHead(200, { 'content-type': 'application/json' }).end(`{"access_token":"at${answered}","expires_in":3600,"id_token":"x.y.z","scope":"openid","token_type":"Bearer"}`);
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant","error_description":"grant request is invalid"}');
        });
        return;
      }
      if (req.url?.startsWith('/oidc/auth')) {
        if (req.headers.cookie !== OIDC_COOKIE) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<form>sign in</form>');
        const iss = 'iss=https%3A%2F%2Fop.example';
        // Every other answer is wrong: alternately an error (OpenID Connect Core 1.0 §3.1.2.6) and
        // a code sent elsewhere than the redirect_uri.
        if (answered % 2) return void res.writeHead(303, { location: `${REDIRECT_URI}?code=c${answered}&state=s&${iss}` }).end();
        if (answered % 4) return void res.writeHead(303, { location: `https://other.example/cb?code=c${answered}&state=s&${iss}` }).end();
        return void res.writeHead(303, { location: `${REDIRECT_URI}?error=consent_required&state=s&${iss}` }).end();
      }
      if (req.method === 'POST') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(answered % 2 ? 'ns:x\nis_valid:true\n' : 'ns:x\nis_valid:false\n');
      if (answered % 2) return void res.writeHead(302, { location: `https://rp.example/return?openid.mode=id_res&n=${answered}` }).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('setup needed');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    writeFileSync(join(dir, 'cookie'), 'session=x\n');
    writeFileSync(join(dir, 'oidc-cookie'), `${OIDC_COOKIE}\n`);
    writeFileSync(join(dir, 'oidc-client-auth'), `${CLIENT_AUTH}\n`);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('W4 counts every is_valid:false and stops once the answers to its last assertions are in', async () => {
    answered = 0;
    for (const t of [0, 1]) writeFileSync(join(dir, `w4-run-${t}.txt`), `${Array.from({ length: 10 }, (_, i) => `openid.mode=check_authentication&n=${t}-${i}`).join('\n')}\n`);
    // More connections than assertions per thread: the last answers arrive after the list ran out.
    const run = await runWrk({ script: join(scripts, 'w4.lua'), url, args: [dir, 'w4-run'], seconds: 1, connections: 16, threads: 2 });
    expect(run.exhausted).toBe(true);
    expect(run.requests).toBe(20);
    expect(run.unexpected).toBe(10);
    expect(run.errors).toBe(10);
    expect(run.firstError).toContain('not is_valid:true');
  });

  it('W3 counts a non-302 answer as an error and records each id_res Location', async () => {
    answered = 0;
    const run = await runWrk({ script: join(scripts, 'w3.lua'), url, args: [dir, '/openid?openid.mode=checkid_immediate', 'w3-test'], seconds: 1, connections: 1, threads: 1 });
    expect(run.requests).toBeGreaterThan(10);
    expect(run.unexpected).toBe(Math.floor(run.requests / 2));
    expect(run.firstError).toMatch(/^HTTP 200: status/);
    const recorded = readFileSync(join(dir, 'w3-test-0.txt'), 'utf8').split('\n').filter(Boolean);
    expect(recorded.length).toBe(run.requests - run.unexpected);
    expect(recorded.every((l) => l.includes('openid.mode=id_res'))).toBe(true);
  });

  it('W6-auth counts an error redirect and a code sent elsewhere as errors, and records each code for the redirect_uri', async () => {
    answered = 0;
    const run = await runWrk({ script: join(scripts, 'w6-auth.lua'), url, args: [dir, '/oidc/auth?response_type=code&client_id=bench-rp', REDIRECT_URI, 'w6-auth-test'], seconds: 1, connections: 1, threads: 1 });
    expect(run.requests).toBeGreaterThan(10);
    expect(run.unexpected).toBe(Math.floor(run.requests / 2));
    expect(run.firstError).toMatch(/^HTTP 303: (not to the redirect_uri|error answer)/);
    const recorded = readFileSync(join(dir, 'w6-auth-test-0.txt'), 'utf8').split('\n').filter(Boolean);
    expect(recorded.length).toBe(run.requests - run.unexpected);
    expect(recorded.every((l) => l.startsWith(`${REDIRECT_URI}?code=c`) && !l.includes('error='))).toBe(true);
  });

  it('W6 sends each code once with the client\'s credentials, counts every failed exchange, and stops once its lists are spent', async () => {
    answered = 0;
    exchanged = [];
    wrongHeaders = 0;
    const bodies: string[] = [];
    for (const t of [0, 1]) {
      const mine = Array.from({ length: 10 }, (_, i) => `grant_type=authorization_code&code=c${t}-${i}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_verifier=v`);
      bodies.push(...mine);
      writeFileSync(join(dir, `w6-run-${t}.txt`), `${mine.join('\n')}\n`);
    }
    const run = await runWrk({ script: join(scripts, 'w6.lua'), url, args: [dir, 'w6-run'], seconds: 1, connections: 16, threads: 2 });
    expect(run.exhausted).toBe(true);
    expect(run.requests).toBe(20);
    expect(run.unexpected).toBe(10);
    expect(run.firstError).toMatch(/^HTTP 400: status: \{"error":"invalid_grant"/);
    // Each code exactly once (a second use would revoke the grant), every one authenticated.
    expect([...exchanged].sort()).toEqual([...bodies].sort());
    expect(wrongHeaders).toBe(0);
  });
});
