import { Writable } from 'node:stream';
import { accessLogger, createRootLogger, type AccessLine } from '../../src/http/logger.js';

// The access line is written without pino's machinery (src/http/logger.ts accessLogger): it must
// be the line pino itself writes for the same fields, with the logger's level and bindings.

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

const LINE: AccessLine = { reqId: '0b8f5a52-6a55-4d36-9d1c-2f0a4a3b8e11', method: 'GET', route: '/openid/:user', status: 200, ms: 0.4, ip: '203.0.113.7' };

describe(accessLogger.name, () => {
  it('writes the JSON line pino writes for logger.info(fields, "request"), bindings included', async () => {
    const out = capture();
    const root = createRootLogger('info', out.stream);
    const worker = root.child({ worker: 2 });
    worker.info({ ...LINE }, 'request');
    accessLogger(worker)(LINE);
    await new Promise((r) => setImmediate(r));
    expect(out.lines).toHaveLength(2);
    const [byPino, ours] = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ours!['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The same keys in the same order, the same values but the time.
    expect(Object.keys(ours!)).toEqual(Object.keys(byPino!));
    expect({ ...ours, time: 0 }).toEqual({ ...byPino, time: 0 });
    expect(ours).toMatchObject({ level: 'info', service: 'openid-provider', worker: 2, msg: 'request', status: 200 });
  });

  it('follows the level: nothing below info, nothing when silent', async () => {
    for (const level of ['warn', 'silent'] as const) {
      const out = capture();
      accessLogger(createRootLogger(level, out.stream))(LINE);
      await new Promise((r) => setImmediate(r));
      expect(out.lines).toEqual([]);
    }
  });

  it('stays one valid JSON line whatever a field holds, and writes a missing address as null', async () => {
    const out = capture();
    const log = accessLogger(createRootLogger('info', out.stream));
    log({ ...LINE, route: '/odd/"quoted"\\\n\u2028é𝄞', ip: undefined });
    await new Promise((r) => setImmediate(r));
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ route: '/odd/"quoted"\\\n\u2028é𝄞', ip: null });
  });
});
