// The one way this product makes an outbound HTTP(S) request: a GET guarded against server-side
// request forgery. The URLs come from strangers (a relying party picks its realm, a page picks its
// X-XRDS-Location), so every request, and every redirect hop, is checked before a socket opens:
//
//   1. the URL: absolute http(s) only, https only when `realm.discovery.https_only`, no userinfo
//      (it would be sent as Basic credentials to a host of the attacker's choosing). Any explicit
//      port is allowed: RPs do run on :8080 or :8443, and the address check below, not the port,
//      is what keeps requests off internal services.
//   2. the host: resolved with HostResolver (all addresses), and refused if ANY address is not
//      globally routable (address-policy.ts), unless `allow_private_addresses`. Literal IPs are
//      checked the same way.
//   3. the connection: made to a checked address only, by the injected Dialer (dialer.ts, the
//      only code here that opens a socket: tests substitute one that records every dial). It
//      connects through a `lookup` that answers with the addresses checked in step 2, so a DNS
//      answer that changes between check and connect (DNS rebinding) cannot move the
//      connection. The URL's host name still travels as Host header and TLS SNI, and the
//      certificate is verified against it with Node's default CA store (plus
//      NODE_EXTRA_CA_CERTS); there is no switch to skip it.
//   4. the answer: connect timeout, an overall deadline over every hop (AbortController), a
//      body cap (Content-Length checked up front, then counted while reading), redirects
//      followed by hand up to `max_redirects`, each Location resolved against the current URL and
//      put through steps 1-3 again. An https → http redirect is refused even when http is
//      allowed: a site that started on TLS does not get to continue in clear text.
//
// Failures are FetchRefused with a stable `reason`; the public text never names an address (it
// could describe the provider's internal network), the internal `detail` does, for the logs.

import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { realmConfig } from '../config/namespaces.js';
import { AppError } from '../http/app-error.js';
import { text, type Text } from '../i18n/locale.js';
import { classifyAddress } from './address-policy.js';
import { Dialer } from './dialer.js';
import { HostResolver, type ResolvedAddress } from './host-resolver.js';

export type FetchRefusalReason =
  | 'invalid_url'
  | 'scheme_not_allowed'
  | 'credentials_in_url'
  | 'private_address'
  | 'dns_error'
  | 'network_error'
  | 'tls_error'
  | 'timeout'
  | 'too_large'
  | 'too_many_redirects'
  | 'bad_status'
  | 'busy'
  | 'rate_limited';

const PUBLIC_DETAIL: Readonly<Record<FetchRefusalReason, Text>> = {
  invalid_url: text('errors.fetch_refused.invalid_url'),
  scheme_not_allowed: text('errors.fetch_refused.scheme_not_allowed'),
  credentials_in_url: text('errors.fetch_refused.credentials_in_url'),
  private_address: text('errors.fetch_refused.private_address'),
  dns_error: text('errors.fetch_refused.dns_error'),
  network_error: text('errors.fetch_refused.network_error'),
  tls_error: text('errors.fetch_refused.tls_error'),
  timeout: text('errors.fetch_refused.timeout'),
  too_large: text('errors.fetch_refused.too_large'),
  too_many_redirects: text('errors.fetch_refused.too_many_redirects'),
  bad_status: text('errors.fetch_refused.bad_status'),
  busy: text('errors.fetch_refused.busy'),
  rate_limited: text('errors.fetch_refused.rate_limited'),
};

/** An outbound fetch that was refused or failed. `reason` is stable; `message` is safe to show. */
export class FetchRefused extends AppError {
  constructor(
    readonly reason: FetchRefusalReason,
    options: { detail?: string; cause?: unknown; responseStatus?: number } = {},
  ) {
    super('fetch_refused', 502, text('errors.fetch_refused.title'), PUBLIC_DETAIL[reason], { detail: options.detail, cause: options.cause });
    this.name = 'FetchRefused';
    this.responseStatus = options.responseStatus;
  }

  /** The remote HTTP status, for `bad_status`. */
  readonly responseStatus?: number;
}

export interface SafeFetchOptions {
  /** Extra request headers (Host cannot be overridden: it always names the URL's host). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Return the first `max_bytes` of an oversized body (flagged `truncated`) instead of failing
   * with `too_large`: for HTML pages that are only scanned for something in their <head>.
   */
  readonly truncate?: boolean;
  /** A smaller body cap than `realm.discovery.max_bytes` for this fetch (never a larger one). */
  readonly maxBytes?: number;
  /** A shorter overall deadline than `realm.discovery.timeout` for this fetch, in ms (never a longer one). */
  readonly timeoutMs?: number;
}

export interface SafeFetchResponse {
  /** The URL that answered, after redirects (without fragment). */
  readonly finalUrl: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** True when `truncate` was asked and the body was cut at `max_bytes`. */
  readonly truncated: boolean;
}

interface Limits {
  readonly httpsOnly: boolean;
  readonly allowPrivateAddresses: boolean;
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
}

type Exchange =
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  | { readonly kind: 'response'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: Buffer; readonly truncated: boolean };

// RFC 9110 §15.4: the redirections that carry a Location to follow (300 and 304 do not).
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'openid-provider (OpenID 2.0 relying party discovery)';
const TLS_ERROR = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH/;

@Injectable()
export class SafeFetch {
  private readonly limits: Limits;

  constructor(
    @Inject(realmConfig.KEY) realm: ConfigType<typeof realmConfig>,
    private readonly resolver: HostResolver,
    private readonly dialer: Dialer,
  ) {
    const discovery = realm.discovery;
    this.limits = {
      httpsOnly: discovery.https_only,
      allowPrivateAddresses: discovery.allow_private_addresses,
      connectTimeoutMs: discovery.connect_timeout * 1000,
      timeoutMs: discovery.timeout * 1000,
      maxBytes: discovery.max_bytes,
      maxRedirects: discovery.max_redirects,
    };
  }

  /** GETs `url` under the rules at the top of this file. Rejects with FetchRefused only. */
  async get(url: string, options: SafeFetchOptions = {}): Promise<SafeFetchResponse> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), Math.min(this.limits.timeoutMs, options.timeoutMs ?? Number.POSITIVE_INFINITY));
    try {
      let current = this.checkUrl(url);
      for (let redirects = 0; ; redirects += 1) {
        const addresses = await this.checkedAddresses(current, deadline.signal);
        const answer = await this.exchange(current, addresses, options, deadline.signal);
        if (answer.kind === 'response') {
          return { finalUrl: current.href, status: answer.status, headers: answer.headers, body: answer.body, truncated: answer.truncated };
        }
        if (redirects >= this.limits.maxRedirects) {
          throw new FetchRefused('too_many_redirects', { detail: `more than ${this.limits.maxRedirects} redirects, last from ${current.href}` });
        }
        const next = this.checkUrl(answer.location, current);
        if (current.protocol === 'https:' && next.protocol === 'http:') {
          throw new FetchRefused('scheme_not_allowed', { detail: `redirect from ${current.href} downgrades to ${next.href}` });
        }
        current = next;
      }
    } catch (error) {
      throw toFetchRefused(error, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Step 1: scheme, https_only and userinfo; relative references resolve against `base`. */
  private checkUrl(raw: string, base?: URL): URL {
    let url: URL;
    try {
      url = base === undefined ? new URL(raw) : new URL(raw, base);
    } catch (error) {
      throw new FetchRefused('invalid_url', { detail: `not a URL: ${JSON.stringify(raw.slice(0, 200))}`, cause: error });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new FetchRefused('scheme_not_allowed', { detail: `scheme ${url.protocol} in ${JSON.stringify(raw.slice(0, 200))}` });
    }
    if (url.protocol === 'http:' && this.limits.httpsOnly) {
      throw new FetchRefused('scheme_not_allowed', { detail: `http:// refused (realm.discovery.https_only): ${url.href}` });
    }
    if (url.username !== '' || url.password !== '') {
      throw new FetchRefused('credentials_in_url', { detail: `userinfo in URL for host ${url.hostname}` });
    }
    // A fragment is never sent; dropping it keeps finalUrl what was actually requested.
    url.hash = '';
    return url;
  }

  /** Step 2: every address of the host, all of them acceptable. */
  private async checkedAddresses(url: URL, signal: AbortSignal): Promise<readonly ResolvedAddress[]> {
    const host = bareHost(url);
    let addresses: readonly ResolvedAddress[];
    const literal = isIP(host);
    if (literal !== 0) {
      addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
    } else {
      try {
        addresses = await untilAborted(this.resolver.resolve(host), signal);
      } catch (error) {
        if (error instanceof FetchRefused) throw error;
        throw new FetchRefused('dns_error', { detail: `cannot resolve ${host}: ${errorCode(error)}`, cause: error });
      }
      if (addresses.length === 0) throw new FetchRefused('dns_error', { detail: `${host} has no address` });
    }
    if (!this.limits.allowPrivateAddresses) {
      for (const { address } of addresses) {
        const category = classifyAddress(address);
        if (category !== 'public') {
          throw new FetchRefused('private_address', { detail: `${host} resolves to ${address} (${category}); realm.discovery.allow_private_addresses is off` });
        }
      }
    }
    return addresses;
  }

  /** Steps 3 and 4 for one hop: connect to a checked address, read a bounded answer. */
  private exchange(url: URL, addresses: readonly ResolvedAddress[], options: SafeFetchOptions, signal: AbortSignal): Promise<Exchange> {
    const { connectTimeoutMs } = this.limits;
    const maxBytes = Math.min(this.limits.maxBytes, options.maxBytes ?? Number.POSITIVE_INFINITY);
    return new Promise<Exchange>((resolve, reject) => {
      let settled = false;
      let connectTimer: NodeJS.Timeout | undefined;
      let request: ClientRequest | undefined;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        reject(toFetchRefused(error, signal));
        request?.destroy();
      };
      const succeed = (exchange: Exchange): void => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        resolve(exchange);
      };

      const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*', 'accept-encoding': 'identity' };
      for (const [name, value] of Object.entries(options.headers ?? {})) {
        if (name.toLowerCase() !== 'host') headers[name.toLowerCase()] = value;
      }
      const host = bareHost(url);
      const tls = url.protocol === 'https:';
      const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
      const requestOptions: RequestOptions = {
        method: 'GET',
        protocol: url.protocol,
        hostname: host,
        port,
        path: `${url.pathname}${url.search}`,
        headers,
        // No agent: a fresh connection per hop, from the Dialer, to a checked address (step 3); a
        // pooled socket would have been opened for another check.
        createConnection: () => this.dialer.dial({ host, port, addresses, tls }),
        signal,
      };
      try {
        request = (tls ? httpsRequest : httpRequest)(requestOptions);
      } catch (error) {
        fail(error);
        return;
      }
      request.on('socket', (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(() => fail(new FetchRefused('timeout', { detail: `no connection to ${url.host} within ${connectTimeoutMs} ms` })), connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      request.on('error', fail);
      request.on('response', (response: IncomingMessage) => {
        clearTimeout(connectTimer);
        const status = response.statusCode ?? 0;
        if (REDIRECT_STATUSES.has(status)) {
          const location = response.headers.location;
          response.destroy();
          if (location === undefined || location === '') fail(new FetchRefused('bad_status', { detail: `${status} without Location from ${url.href}`, responseStatus: status }));
          else succeed({ kind: 'redirect', status, location });
          request?.destroy();
          return;
        }
        if (status < 200 || status > 299) {
          response.destroy();
          fail(new FetchRefused('bad_status', { detail: `${status} from ${url.href}`, responseStatus: status }));
          return;
        }
        const declared = Number(response.headers['content-length']);
        if (!options.truncate && Number.isFinite(declared) && declared > maxBytes) {
          response.destroy();
          fail(new FetchRefused('too_large', { detail: `Content-Length ${declared} > ${maxBytes} from ${url.href}` }));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = (truncated: boolean): void => succeed({ kind: 'response', status, headers: response.headers, body: Buffer.concat(chunks, size), truncated });
        response.on('data', (chunk: Buffer) => {
          if (settled) return;
          const room = maxBytes - size;
          if (chunk.length <= room) {
            chunks.push(chunk);
            size += chunk.length;
            return;
          }
          if (!options.truncate) {
            fail(new FetchRefused('too_large', { detail: `body over ${maxBytes} bytes from ${url.href}` }));
            return;
          }
          chunks.push(chunk.subarray(0, room));
          size += room;
          finish(true);
          request?.destroy();
        });
        response.on('end', () => finish(false));
        response.on('error', fail);
        response.on('close', () => fail(new FetchRefused('network_error', { detail: `connection closed before the end of the body from ${url.href}` })));
      });
      request.end();
    });
  }
}

/** The URL's host as a socket wants it: IPv6 literals without their brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Races `promise` against the overall deadline (the system resolver cannot be cancelled). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new FetchRefused('timeout', { detail: 'deadline passed while resolving the host' }));
    if (signal.aborted) {
      onAbort();
      promise.catch(() => undefined);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function errorCode(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null;
  return typeof e?.code === 'string' ? e.code : typeof e?.message === 'string' ? e.message : 'error';
}

function toFetchRefused(error: unknown, signal: AbortSignal): FetchRefused {
  if (error instanceof FetchRefused) return error;
  if (signal.aborted) return new FetchRefused('timeout', { detail: 'overall deadline passed', cause: error });
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (TLS_ERROR.test(code)) return new FetchRefused('tls_error', { detail: `${code}: ${message}`, cause: error });
  return new FetchRefused('network_error', { detail: `${code}: ${message}`, cause: error });
}
