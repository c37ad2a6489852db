import { createServer, type AddressInfo } from 'node:net';

/** A port nobody listens on right now (bind to 0, read it, close). No other import: any suite may use it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
