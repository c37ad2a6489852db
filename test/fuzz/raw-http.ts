import { type AddressInfo, connect } from 'node:net';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';
import type { Answer } from './http-answers.js';

// A client that sends bytes as they are: what light-my-request (inject) cannot, since it parses
// and re-encodes the URL and refuses header values Node would not send. Used by http-raw.spec.ts
// and the corpus.

/** The app on the embedded database, listening on a free loopback port (127.0.0.1 is a trusted proxy). */
export async function listeningApp(): Promise<{ t: TestApp; port: number }> {
  const t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] } }));
  await t.app.listen(0, '127.0.0.1');
  return { t, port: (t.app.getHttpServer().address() as AddressInfo).port };
}

/**
 * Sends `request` to 127.0.0.1:port and reads the first response (the server closes after it).
 * `head`: the request was a HEAD, so the response has no body whatever its Content-Length says.
 */
export function sendRaw(port: number, request: Buffer, head = false, timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms to ${JSON.stringify(request.subarray(0, 200).toString('latin1'))}`));
    }, timeoutMs);
    const finish = (): void => {
      const answer = parseResponse(Buffer.concat(chunks), head);
      if (!answer) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const answer = parseResponse(Buffer.concat(chunks), head);
      if (answer) resolve(answer);
      else reject(new Error(`connection closed without a complete answer to ${JSON.stringify(request.subarray(0, 200).toString('latin1'))}: ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 300))}`));
    });
    socket.write(request);
  });
}

/** The first HTTP/1.1 response in `bytes`, once its head and Content-Length body have arrived. */
function parseResponse(bytes: Buffer, head: boolean): Answer | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  if (!status) return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const existing = headers[name];
    headers[name] = existing === undefined ? value : ([] as string[]).concat(existing, value);
  }
  let body = bytes.subarray(end + 4);
  if (head) return { statusCode: Number(status[1]), headers, body: '' };
  const length = headers['content-length'];
  if (typeof length === 'string') {
    if (body.length < Number(length)) return undefined;
    body = body.subarray(0, Number(length));
  } else if (headers['transfer-encoding'] === 'chunked') {
    const decoded = dechunk(body);
    if (!decoded) return undefined;
    body = decoded;
  }
  return { statusCode: Number(status[1]), headers, body: body.toString('utf8') };
}

function dechunk(body: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    if (body.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
