import { createHmac } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AssertionSigner } from '../../src/association/assertion-signer.js';
import { decodeKeyValueForm } from '../../src/protocol/kv-form.js';

// Driving associations the way a relying party does, on an app booted with
// trusted_proxies: ['127.0.0.1'] (the OpenID endpoint is TLS-only; the proxy says https).

export const NS = 'http://specs.openid.net/auth/2.0';

export function directPost(app: NestFastifyApplication, fields: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url: '/openid',
    headers: { host: 'example.org', 'x-forwarded-proto': 'https', 'x-forwarded-for': '192.0.2.10', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}

export function kv(body: string): Map<string, string> {
  return new Map(decodeKeyValueForm(body));
}

/** associate, no-encryption over TLS (OpenID 2.0 §8.4.1): the handle and the MAC key in clear. */
export async function associate(app: NestFastifyApplication): Promise<{ handle: string; macKey: Buffer }> {
  const response = await directPost(app, { 'openid.ns': NS, 'openid.mode': 'associate', 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': 'no-encryption' });
  if (response.statusCode !== 200) throw new Error(`associate answered ${response.statusCode}: ${response.body}`);
  const fields = kv(response.body);
  return { handle: fields.get('assoc_handle')!, macKey: Buffer.from(fields.get('mac_key')!, 'base64') };
}

/**
 * What the signing path does with the handle an RP names (OpenID 2.0 §10.1): the fields of the
 * positive assertion as the RP receives them, keyed without the `openid.` prefix.
 */
export async function signWith(app: NestFastifyApplication, handle: string): Promise<Map<string, string>> {
  const fields: [string, string][] = [
    ['ns', NS],
    ['mode', 'id_res'],
    ['op_endpoint', 'https://example.org/openid'],
    ['claimed_id', 'https://example.org/openid/romeo'],
    ['identity', 'https://example.org/openid/romeo'],
    ['return_to', 'https://rp.example/return'],
    ['response_nonce', `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}abc`],
  ];
  return new Map(await app.get(AssertionSigner, { strict: false }).sign('2.0', fields, handle));
}

/** OpenID 2.0 §6.1: the RP's own check of a signature made with a shared association's MAC key. */
export function signatureVerifies(fields: Map<string, string>, macKey: Buffer): boolean {
  const signed = fields.get('signed')!.split(',');
  const text = signed.map((k) => `${k}:${fields.get(k)}\n`).join('');
  return createHmac('sha256', macKey).update(text, 'utf8').digest('base64') === fields.get('sig');
}

/** check_authentication naming `invalidate_handle` (OpenID 2.0 §11.4.2.2): answers whether the OP echoed it back. */
export async function toldToInvalidate(app: NestFastifyApplication, handle: string): Promise<boolean> {
  const response = await directPost(app, {
    'openid.ns': NS,
    'openid.mode': 'check_authentication',
    'openid.assoc_handle': `${Math.floor(Date.now() / 1000)}.P2.${'x'.repeat(32)}`,
    'openid.signed': 'mode',
    'openid.sig': 'AAAA',
    'openid.invalidate_handle': handle,
  });
  if (response.statusCode !== 200) throw new Error(`check_authentication answered ${response.statusCode}: ${response.body}`);
  return kv(response.body).get('invalidate_handle') === handle;
}
