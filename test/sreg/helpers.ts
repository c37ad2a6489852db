// Shared helpers for the SReg / AX / PAPE specs. Vector files live in ./vectors; every entry has a
// `title` naming its source (a section of SReg 1.0/1.1, AX 1.0, PAPE 1.0 or OpenID 2.0, or the
// behaviour of an independent implementation: python-openid, DotNetOpenAuth, node-openid).

import { readFileSync } from 'node:fs';
import { NS_OPENID_2_0, OPENID_PREFIX, type OpenIdVersion } from '../../src/protocol/consts.js';
import { buildMessageFields, type ExtensionFields } from '../../src/protocol/message-encode.js';
import { parseOpenIdMessage, type OpenIdMessage } from '../../src/protocol/message.js';

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), 'utf8')) as T;
}

export interface RequestInput {
  readonly version: OpenIdVersion;
  /** Extension parameters, `openid.`-prefixed, in order. */
  readonly params: Readonly<Record<string, string>>;
}

export const RETURN_TO = 'https://rp.example.com/return';
export const REALM = 'https://rp.example.com/';
const IDENTITY = 'https://op.example.org/openid/alice';

/** The pairs of a checkid_setup request (2.0 §9.1 or 1.1) carrying the given extension parameters. */
export function requestPairs({ version, params }: RequestInput): Array<[string, string]> {
  const core: Array<[string, string]> =
    version === '2.0'
      ? [
          ['openid.ns', NS_OPENID_2_0],
          ['openid.mode', 'checkid_setup'],
          ['openid.claimed_id', IDENTITY],
          ['openid.identity', IDENTITY],
          ['openid.return_to', RETURN_TO],
          ['openid.realm', REALM],
        ]
      : [
          ['openid.mode', 'checkid_setup'],
          ['openid.identity', IDENTITY],
          ['openid.return_to', RETURN_TO],
          ['openid.trust_root', REALM],
        ];
  return [...core, ...Object.entries(params)];
}

export function requestMessage(input: RequestInput): OpenIdMessage {
  return parseOpenIdMessage(requestPairs(input));
}

/** The final id_res message (openid.*-prefixed pairs) as the checkid flow would assemble it. */
export function assertionPairs(request: OpenIdMessage, extensions: readonly ExtensionFields[]): Array<[string, string]> {
  const core: Array<[string, string]> = [
    ['mode', 'id_res'],
    ['identity', IDENTITY],
    ['return_to', RETURN_TO],
  ];
  return buildMessageFields({ version: request.version, core, extensions, request }).map(([key, value]) => [OPENID_PREFIX + key, value]);
}

/** The extension part of an assertion: everything but the core fields above (and openid.ns). */
export function extensionPairs(pairs: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  const core = new Set(['openid.ns', 'openid.mode', 'openid.identity', 'openid.return_to']);
  return pairs.filter(([key]) => !core.has(key)).map(([key, value]) => [key, value]);
}

/** Runs `fn` and returns what it threw (failing the test when it does not throw). */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected an error to be thrown');
}
