import pino from 'pino';
import { WriteBehind } from '../../src/database/write-behind.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { AuditRepository } from '../../src/audit/audit.repository.js';
import { bootApp, testConfig } from '../helpers/test-app.js';

// Rows written behind the response: batched, flushed for readers and at shutdown, nothing lost
// to a database that was briefly away, and no row the database refuses holding back the rest.

const silent = pino({ level: 'silent' });
const violation = (code: string) => Object.assign(new Error('refused'), { driverError: { code } });

describe(WriteBehind.name, () => {
  it('writes what was queued in one batch, and flush waits for it', async () => {
    const batches: number[][] = [];
    const queue = new WriteBehind<number>({ write: async (b) => void batches.push([...b]), logger: silent, what: 'numbers', delayMs: 10_000 });
    for (let i = 0; i < 5; i += 1) queue.add(i);
    expect(batches).toEqual([]);
    await queue.flush();
    expect(batches).toEqual([[0, 1, 2, 3, 4]]);
    expect(queue.pending).toBe(0);
  });

  it('writes by itself after the delay, and at once when a batch is full', async () => {
    const batches: number[][] = [];
    const queue = new WriteBehind<number>({ write: async (b) => void batches.push([...b]), logger: silent, what: 'numbers', delayMs: 5, maxBatch: 3 });
    queue.add(1);
    await vi.waitFor(() => expect(batches).toEqual([[1]]));
    [2, 3, 4].forEach((n) => queue.add(n));
    await vi.waitFor(() => expect(batches).toEqual([[1], [2, 3, 4]]));
  });

  it('keeps rows the database could not take (connection lost) and writes them next time', async () => {
    let down = true;
    const written: number[] = [];
    const queue = new WriteBehind<number>({
      write: async (b) => {
        if (down) throw new Error('connect ECONNREFUSED');
        written.push(...b);
      },
      logger: silent,
      what: 'numbers',
      delayMs: 10_000,
    });
    queue.add(1);
    queue.add(2);
    await queue.flush();
    expect(queue.pending).toBe(2);
    down = false;
    queue.add(3);
    await queue.flush();
    expect(written).toEqual([1, 2, 3]);
  });

  it('drops only the row the database refuses for good (SQLSTATE 23…), and writes the others', async () => {
    const written: number[] = [];
    const error = vi.fn();
    const logger = { ...silent, error, warn: vi.fn() } as unknown as pino.Logger;
    const queue = new WriteBehind<number>({
      write: async (b) => {
        if (b.includes(13)) throw violation('23503');
        written.push(...b);
      },
      logger,
      what: 'numbers',
      delayMs: 10_000,
    });
    [12, 13, 14].forEach((n) => queue.add(n));
    await queue.flush();
    expect(written).toEqual([12, 14]);
    expect(queue.pending).toBe(0);
    expect(error).toHaveBeenCalledOnce();
  });

  it('stays bounded: beyond maxPending the oldest rows go, and the log says so', async () => {
    const error = vi.fn();
    const logger = { ...silent, error, warn: vi.fn() } as unknown as pino.Logger;
    const queue = new WriteBehind<number>({ write: () => Promise.reject(new Error('down')), logger, what: 'numbers', delayMs: 10_000, maxBatch: 100, maxPending: 3 });
    [1, 2, 3, 4].forEach((n) => queue.add(n));
    expect(queue.pending).toBe(3);
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ dropped: 1 }), expect.any(String));
  });

  it('merges rows when asked (one last-used stamp per grant)', async () => {
    const batches: { id: string; n: number }[][] = [];
    const queue = new WriteBehind<{ id: string; n: number }>({
      write: async (b) => void batches.push([...b]),
      logger: silent,
      what: 'stamps',
      delayMs: 10_000,
      merge: (q, row) => {
        const i = q.findIndex((r) => r.id === row.id);
        if (i === -1) q.push(row);
        else q[i] = row;
      },
    });
    queue.add({ id: 'a', n: 1 });
    queue.add({ id: 'b', n: 1 });
    queue.add({ id: 'a', n: 2 });
    await queue.flush();
    expect(batches).toEqual([[{ id: 'a', n: 2 }, { id: 'b', n: 1 }]]);
  });
});

describe('audit events written behind the response', () => {
  it('are written before the database closes when the application stops', async () => {
    const t = await bootApp(testConfig());
    const repository = t.app.get(AuditRepository, { strict: false });
    const appendMany = vi.spyOn(repository, 'appendMany');
    await t.app.get(AuditService, { strict: false }).record({ kind: 'login_failed', domain: 'example.org' });
    expect(appendMany).not.toHaveBeenCalled();
    await t.close();
    expect(appendMany).toHaveBeenCalledWith([expect.objectContaining({ kind: 'login_failed', domain: 'example.org' })]);
    await expect(appendMany.mock.results[0]!.value).resolves.toBeUndefined();
  });
});
