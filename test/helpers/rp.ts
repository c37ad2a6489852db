import openid from 'openid';
import type { ConfigInput } from '../../src/config/config.schema.js';
import { startProvider, startRelyingPartySite, type LiveProvider, type RelyingPartySite } from './live.js';

// The npm `openid` relying party, promisified, and the provider + RP site pair most e2e suites use.

export type RelyingParty = InstanceType<typeof openid.RelyingParty>;
export type Verified = Record<string, unknown> & { authenticated?: boolean; claimedIdentifier?: string };

type Extension = new (options: Record<string, unknown>) => never;
/** node-openid's extension classes (untyped in @types/openid). */
export const extensions = openid as unknown as { SimpleRegistration: Extension; AttributeExchange: Extension; PAPE: Extension };

export function authenticate(rp: RelyingParty, identifier: string, immediate = false): Promise<string> {
  return new Promise((resolve, reject) => rp.authenticate(identifier, immediate, (error, url) => (error || !url ? reject(new Error(error?.message ?? 'no URL')) : resolve(url))));
}

export function verify(rp: RelyingParty, url: string): Promise<{ error?: string; result?: Verified }> {
  return new Promise((resolve) => rp.verifyAssertion(url, (error, result) => resolve({ error: error?.message, result: result as Verified | undefined })));
}

export interface Peers {
  op: LiveProvider;
  site: RelyingPartySite;
}

/** Starts a provider and an RP web server for the enclosing describe block, and stops them after. */
export function usePeers(input: Partial<ConfigInput> = {}): Peers {
  const peers = {} as Peers;
  beforeAll(async () => {
    peers.op = await startProvider(input);
    peers.site = await startRelyingPartySite();
  });
  afterAll(async () => {
    await peers.site?.close();
    await peers.op?.close();
  });
  return peers;
}
