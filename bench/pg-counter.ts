// Database round trips per request, counted exactly: a TCP relay between the provider and
// PostgreSQL that reads the frontend protocol (PostgreSQL docs, "Frontend/Backend Protocol",
// message formats) as it passes: a simple Query, or an extended-protocol Sync, ends one round
// trip; each Execute or Query runs one statement, labelled by its verb and tables. Used in a
// separate pass with one connection, never during the measured runs (a relay costs time).

import { createServer, type Server, type Socket, connect } from 'node:net';

export interface StatementCount {
  label: string;
  perRequest: number;
}

export interface DbCount {
  roundTripsPerRequest: number;
  statementsPerRequest: number;
  statements: StatementCount[];
}

/** "SELECT sessions+users", "INSERT audit_events", "BEGIN": what a statement does, to what. */
export function statementLabel(sql: string): string {
  const text = sql.trim();
  const verb = (/^\s*(\w+)/.exec(text)?.[1] ?? '?').toUpperCase();
  const tables = new Set<string>();
  for (const m of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE)\s+"?([A-Za-z_][\w]*)"?/gi)) tables.add(m[1]!);
  return tables.size ? `${verb} ${[...tables].join('+')}` : verb;
}

class ConnectionParser {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private readonly named = new Map<string, string>();
  private unnamed = '';
  private lastParsed = '';
  private portalStatement = new Map<string, string>();
  broken = false;

  constructor(private readonly counter: PgCounter) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        const code = this.buffer.readInt32BE(4);
        if (code === 80877103 || code === 80877104) {
          // SSLRequest / GSSENCRequest: an encrypted session cannot be read; count nothing.
          this.broken = true;
          return;
        }
        if (this.buffer.length < length) return;
        this.buffer = this.buffer.subarray(length);
        this.started = true;
        continue;
      }
      if (this.buffer.length < 5) return;
      const type = String.fromCharCode(this.buffer[0]!);
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < 1 + length) return;
      const body = this.buffer.subarray(5, 1 + length);
      this.buffer = this.buffer.subarray(1 + length);
      this.message(type, body);
    }
  }

  private message(type: string, body: Buffer): void {
    const cstring = (at: number): [string, number] => {
      const end = body.indexOf(0, at);
      return [body.toString('utf8', at, end), end + 1];
    };
    switch (type) {
      case 'Q': {
        this.counter.statement(statementLabel(cstring(0)[0]));
        this.counter.roundTrip();
        return;
      }
      case 'P': {
        const [name, next] = cstring(0);
        const [sql] = cstring(next);
        if (name) this.named.set(name, sql);
        else this.unnamed = sql;
        this.lastParsed = sql;
        return;
      }
      case 'B': {
        const [portal, next] = cstring(0);
        const [statement] = cstring(next);
        this.portalStatement.set(portal, statement ? (this.named.get(statement) ?? this.lastParsed) : this.unnamed);
        return;
      }
      case 'E': {
        const [portal] = cstring(0);
        this.counter.statement(statementLabel(this.portalStatement.get(portal) ?? this.unnamed));
        return;
      }
      case 'S':
        this.counter.roundTrip();
        return;
      default:
        return;
    }
  }
}

export class PgCounter {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private roundTrips = 0;
  private statements = new Map<string, number>();
  unreadable = false;

  roundTrip(): void {
    this.roundTrips++;
  }

  statement(label: string): void {
    this.statements.set(label, (this.statements.get(label) ?? 0) + 1);
  }

  /** Listens on 127.0.0.1 and relays to the database of `url`; answers the URL to use instead. */
  async start(url: string): Promise<string> {
    const target = new URL(url);
    const host = target.hostname || '127.0.0.1';
    const port = Number(target.port || 5432);
    this.server = createServer((client) => {
      const upstream = connect(port, host);
      const parser = new ConnectionParser(this);
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        parser.push(chunk);
        if (parser.broken) this.unreadable = true;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const relay = new URL(url);
    relay.hostname = '127.0.0.1';
    relay.port = String((this.server!.address() as { port: number }).port);
    return relay.toString();
  }

  reset(): void {
    this.roundTrips = 0;
    this.statements = new Map();
  }

  read(requests: number): DbCount {
    const per = (n: number): number => Math.round((100 * n) / Math.max(requests, 1)) / 100;
    const statements = [...this.statements].map(([label, n]) => ({ label, perRequest: per(n) })).filter((s) => s.perRequest >= 0.01).sort((a, b) => b.perRequest - a.perRequest);
    const total = [...this.statements.values()].reduce((a, b) => a + b, 0);
    return { roundTripsPerRequest: per(this.roundTrips), statementsPerRequest: per(total), statements };
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
