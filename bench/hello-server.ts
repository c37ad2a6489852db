// W0: the ceiling. A bare Fastify "hello" route in a process of its own, with the provider's TLS
// settings (its certificate and key, TLS 1.2 minimum: see src/app.factory.ts createAdapter), so
// that each workload can be read as a fraction of what Node + TLS + Fastify can do on this machine.
//
//   node dist-bench/hello-server.js <cert.pem> <key.pem> <port>
// prints "listening <port>" once it accepts connections; exits on SIGTERM.

import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

async function main(): Promise<void> {
  const [certPath, keyPath, portText] = process.argv.slice(2);
  if (!certPath || !keyPath || !portText) throw new Error('usage: hello-server <cert.pem> <key.pem> <port>');
  const app = Fastify({
    https: { cert: readFileSync(certPath), key: readFileSync(keyPath), minVersion: 'TLSv1.2' },
    logger: false,
    forceCloseConnections: 'idle',
  });
  app.get('/hello', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('hello'));
  const address = await app.listen({ host: '127.0.0.1', port: Number(portText) });
  process.stdout.write(`listening ${new URL(address).port}\n`);
  const stop = (): void => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`hello-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
