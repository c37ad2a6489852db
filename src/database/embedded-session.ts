import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

// PGlite is one PostgreSQL backend: one session, one transaction at a time. The server process
// reaches it in-process (PGlite's node-postgres adapter) and, when it shares the embedded database,
// other processes of the same owner (the admin CLI, the migration commands) reach it with plain `pg`
// over a Unix socket. Everyone's wire-protocol messages end up in that one session, so whoever
// starts a unit of work keeps the session to itself until the backend says it is idle again:
// ReadyForQuery with status 'I' (PostgreSQL protocol, "Message Flow": ReadyForQuery ends every
// simple query and every extended-query batch at Sync; its status is 'T' or 'E' inside a
// transaction block). Nobody's Parse/Bind can land between someone else's, and nobody's query
// runs inside someone else's transaction.
//
// @electric-sql/pglite-socket was not used: its queue only orders socket clients among themselves
// (the in-process adapter bypasses it), it lets other clients in between the messages of an
// extended-query batch, and 0.2.17 pins @electric-sql/pglite 0.5.14 plus seven extension
// packages as peer dependencies.

type Owner = symbol;

/** Grants the single PGlite session to one client at a time, first come first served. */
export class SessionArbiter {
  private owner: Owner | null = null;
  private readonly waiting: { who: Owner; grant: (granted: boolean) => void }[] = [];

  /** Resolves true once `who` owns the session (at once if it already does), false if cancelled. */
  acquire(who: Owner): Promise<boolean> {
    if (this.owner === who) return Promise.resolve(true);
    if (this.owner === null) {
      this.owner = who;
      return Promise.resolve(true);
    }
    return new Promise((grant) => this.waiting.push({ who, grant }));
  }

  release(who: Owner): void {
    if (this.owner !== who) return;
    const next = this.waiting.shift();
    this.owner = next ? next.who : null;
    next?.grant(true);
  }

  /** Withdraws a client that is still waiting (it disconnected). */
  cancel(who: Owner): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.who === who) this.waiting.splice(i, 1)[0]!.grant(false);
    }
  }

  owns(who: Owner): boolean {
    return this.owner === who;
  }
}

/**
 * Follows a stream of backend messages (type byte, int32 length including itself, body) across
 * chunk boundaries and remembers the status byte of the last ReadyForQuery ('Z').
 */
export class ReadyForQueryScanner {
  private header = Buffer.alloc(5);
  private headerFill = 0;
  private bodyLeft = 0;
  private inReady = false;
  /** Status of the last complete ReadyForQuery seen since the last take(), if any. */
  private status: string | null = null;

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        // A ReadyForQuery body is its one status byte.
        if (this.inReady) this.status = String.fromCharCode(chunk[i]!);
        this.inReady = false;
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      this.header[this.headerFill++] = chunk[i++]!;
      if (this.headerFill === 5) {
        this.headerFill = 0;
        this.bodyLeft = Math.max(0, this.header.readInt32BE(1) - 4);
        this.inReady = this.header[0] === 0x5a && this.bodyLeft === 1;
      }
    }
  }

  take(): string | null {
    const s = this.status;
    this.status = null;
    return s;
  }
}

/**
 * What PGlite's node-postgres adapter needs of a PGlite (it calls nothing else), with every
 * message going through the arbiter as the server's own client.
 */
export function arbitratedPglite(db: PGlite, arbiter: SessionArbiter): PGlite {
  const self: Owner = Symbol('in-process');
  const facade = {
    get waitReady() {
      return db.waitReady;
    },
    execProtocolStream: async (message: Uint8Array, options: Parameters<PGlite['execProtocolStream']>[1]) => {
      await arbiter.acquire(self);
      let idle = false;
      try {
        const results = await db.execProtocolStream(message, options);
        const ready = results.filter((m) => m.name === 'readyForQuery').pop() as { status?: string } | undefined;
        idle = ready?.status === 'I';
        return results;
      } catch (error) {
        // PGlite itself failed (not an SQL error, which comes back as a message): the session's
        // state is unknown, and holding it would stall every other client.
        idle = true;
        throw error;
      } finally {
        if (idle) arbiter.release(self);
      }
    },
  };
  return facade as unknown as PGlite;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Far above anything the CLI or a migration sends; a bigger length is garbage, not a message. */
const MAX_MESSAGE = 64 * 1024 * 1024;
/** A socket client idle this long while it holds the session (inside a transaction) is cut off. */
export const OWNER_IDLE_TIMEOUT_MS = 30_000;
const MAX_CONNECTIONS = 16;

const SYNC = Uint8Array.from([0x53, 0, 0, 0, 4]);

function simpleQuery(sql: string): Uint8Array {
  const body = Buffer.from(`${sql}\0`, 'utf8');
  const out = Buffer.alloc(5 + body.length);
  out[0] = 0x51;
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const out = Buffer.alloc(5 + fields.length);
  out[0] = 0x45;
  out.writeInt32BE(4 + fields.length, 1);
  fields.copy(out, 5);
  return out;
}

/** One socket client: its messages, in order, each run when the arbiter grants it the session. */
class SocketClient {
  readonly id: Owner = Symbol('socket-client');
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Everything this client asked for, in order; the server waits on it before closing PGlite. */
  done: Promise<void> = Promise.resolve();
  private readonly scanner = new ReadyForQueryScanner();

  constructor(
    private readonly socket: Socket,
    private readonly db: PGlite,
    private readonly arbiter: SessionArbiter,
    private readonly idleTimeoutMs: number,
  ) {
    socket.on('data', (data) => this.onData(data));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private onData(data: Buffer): void {
    if (this.closed) return;
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    for (;;) {
      const message = this.nextMessage();
      if (message === undefined) return;
      if (message === null) return this.close();
      this.done = this.done.then(() => this.handle(message));
    }
  }

  /** A complete message, undefined if more bytes are needed, null on garbage. */
  private nextMessage(): Uint8Array | undefined | null {
    if (!this.started) {
      if (this.buffer.length < 8) return undefined;
      const length = this.buffer.readInt32BE(0);
      if (length < 8 || length > 10_000) return null;
      if (this.buffer.length < length) return undefined;
      const code = this.buffer.readInt32BE(4);
      const message = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        // A Unix socket needs no TLS: 'N' tells the client to go on in the clear.
        this.socket.write('N');
        return this.nextMessage();
      }
      if (code === CANCEL_REQUEST) return null;
      if (code !== PROTOCOL_3) {
        this.socket.write(errorResponse('0A000', 'unsupported frontend protocol'));
        return null;
      }
      this.started = true;
      return Uint8Array.from(message);
    }
    if (this.buffer.length < 5) return undefined;
    const length = this.buffer.readInt32BE(1);
    if (length < 4 || length > MAX_MESSAGE) return null;
    if (this.buffer.length < 1 + length) return undefined;
    const message = Uint8Array.from(this.buffer.subarray(0, 1 + length));
    this.buffer = this.buffer.subarray(1 + length);
    // Terminate ends this client only: PGlite's session lives on for the others.
    if (message[0] === 0x58) return null;
    return message;
  }

  private async handle(message: Uint8Array): Promise<void> {
    if (this.closed) return;
    this.stopIdleTimer();
    if (!(await this.arbiter.acquire(this.id)) || this.closed) return;
    await this.run(message, true);
    if (this.arbiter.owns(this.id)) this.startIdleTimer();
  }

  /** Runs one message in the session this client owns; releases it once the backend is idle. */
  private async run(message: Uint8Array, forward: boolean): Promise<string | null> {
    try {
      await this.db.execProtocolRawStream(message, {
        onRawData: (data) => {
          this.scanner.feed(data);
          if (forward && !this.closed) this.socket.write(Buffer.from(data));
        },
      });
    } catch {
      this.arbiter.release(this.id);
      this.socket.destroy();
      return null;
    }
    const status = this.scanner.take();
    if (status === 'I') this.arbiter.release(this.id);
    return status;
  }

  private startIdleTimer(): void {
    this.idleTimer = setTimeout(() => {
      this.socket.write(errorResponse('25P03', 'idle in transaction on the shared embedded database for too long'));
      this.socket.destroy();
    }, this.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Gives the session back clean: the client's batch ended and its transaction rolled back. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopIdleTimer();
    this.arbiter.cancel(this.id);
    this.socket.destroy();
    this.done = this.done.then(async () => {
      if (!this.arbiter.owns(this.id)) return;
      const status = await this.run(SYNC, false);
      if (status !== null && status !== 'I') await this.run(simpleQuery('ROLLBACK'), false);
      this.arbiter.release(this.id);
    });
  }
}

/** The embedded database served on a Unix socket: owner-only, no TCP. */
export class EmbeddedSocketServer {
  private server: Server | undefined;
  private readonly clients = new Set<SocketClient>();

  constructor(
    private readonly db: PGlite,
    private readonly arbiter: SessionArbiter,
    readonly path: string,
    private readonly ownerIdleTimeoutMs = OWNER_IDLE_TIMEOUT_MS,
  ) {}

  async start(): Promise<void> {
    // Only we hold the directory's lock, so a socket file left there is a dead server's.
    rmSync(this.path, { force: true });
    const server = createServer((socket) => {
      if (this.clients.size >= MAX_CONNECTIONS) {
        socket.end(errorResponse('53300', 'too many connections to the shared embedded database'));
        return;
      }
      const client = new SocketClient(socket, this.db, this.arbiter, this.ownerIdleTimeoutMs);
      this.clients.add(client);
      socket.on('close', () => void client.done.then(() => this.clients.delete(client)));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Created owner-only (umask), not chmod-ed afterwards, so that no one else can connect in
      // between; bind() runs synchronously inside listen().
      const umask = process.umask(0o177);
      try {
        server.listen(this.path, () => resolve());
      } finally {
        process.umask(umask);
      }
    });
    chmodSync(this.path, 0o600);
    this.server = server;
  }

  /** Stops accepting, disconnects every client and waits until their work is rolled back. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const client of this.clients) client.close();
    await Promise.all([...this.clients].map((c) => c.done));
    this.clients.clear();
    await closed;
    rmSync(this.path, { force: true });
  }
}
