import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWrk, wrkVersion } from '../../bench/wrk.js';

// The benchmark's error accounting (bench/wrk/*.lua through bench/wrk.ts) on a tiny run against a
// stub that answers half of the requests wrongly: every wrong answer must count, and W4's
// single-use lists must stop the load when they run out. Needs Debian's wrk (.ci/run installs it).

const scripts = join(import.meta.dirname, '../../bench/wrk');

describe('bench/wrk scripts', () => {
  let server: Server;
  let url: string;
  let dir: string;
  let answered = 0;

  beforeAll(async () => {
    if (!wrkVersion()) throw new Error('wrk is missing: apt-get install wrk');
    dir = mkdtempSync(join(tmpdir(), 'bench-lua-'));
    server = createServer((req, res) => {
      if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      answered++;
      if (req.method === 'POST') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(answered % 2 ? 'ns:x\nis_valid:true\n' : 'ns:x\nis_valid:false\n');
      if (answered % 2) return void res.writeHead(302, { location: `https://rp.example/return?openid.mode=id_res&n=${answered}` }).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('setup needed');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    writeFileSync(join(dir, 'cookie'), 'session=x\n');
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
});
