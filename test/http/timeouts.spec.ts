import { type AddressInfo, connect, type Socket } from 'node:net';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// server.timeouts on the real listener: a client that sends its headers slowly, one that sends
// nothing, and an idle keep-alive connection are all cut off near their deadline (slowloris);
// a normal request is not.

/** Connects, sends `bytes`, and resolves with what came back and after how long the server closed. */
function hold(port: number, bytes: string): Promise<{ ms: number; received: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let received = '';
    const socket: Socket = connect({ port, host: '127.0.0.1' });
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ ms: performance.now() - started, received }));
    if (bytes) socket.write(bytes);
    // The test's own limit: a server that never closes fails the assertions below.
    setTimeout(() => socket.destroy(), 8000).unref();
  });
}

describe('server.timeouts (slow and silent clients)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { timeouts: { headers: 1, request: 2, keep_alive: 1 } } }));
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('cuts off a client that never finishes its headers, with a 408', async () => {
    const { ms, received } = await hold(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    expect(ms).toBeLessThan(4000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection that sends nothing', async () => {
    const { ms, received } = await hold(port, '');
    expect(ms).toBeLessThan(4000);
    expect(received).not.toMatch(/ 200 /);
  });

  it('closes an idle keep-alive connection after keep_alive, having answered its request', async () => {
    const { ms, received } = await hold(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toMatch(/keep-alive: timeout=1/i);
    expect(ms).toBeGreaterThan(800);
    expect(ms).toBeLessThan(4000);
  });
});
