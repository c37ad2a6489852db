import { OPENID_PREFIX } from '../../src/protocol/consts.js';
import { parseOpenIdMessage } from '../../src/protocol/message.js';
import {
  appendMessageToUrl,
  buildMessageFields,
  exceedsRedirectLimit,
  toFormFields,
  toKeyValue,
  toUrlQuery,
  type ExtensionFields,
} from '../../src/protocol/message-encode.js';
import type { OpenIdVersion } from '../../src/protocol/consts.js';
import { expectThrowsNamed, loadVectors } from './vectors.js';

type Pairs = Array<[string, string]>;
interface ParseCase {
  title: string;
  input: Pairs;
  expected: {
    version: OpenIdVersion;
    mode: string | null;
    args: Record<string, string | null>;
    extensions: Record<string, string>;
    implicit: string[];
    extensionArgs?: Record<string, Record<string, string>>;
    fieldCount?: number;
  };
}
interface Vectors {
  parse: ParseCase[];
  parseErrors: Array<{ title: string; input: Pairs; error: string }>;
  build: Array<{
    title: string;
    input: { version: OpenIdVersion; core: Pairs; extensions: ExtensionFields[]; request?: Pairs };
    expected: Pairs;
  }>;
  encode: {
    toKeyValue: Array<{ title: string; input: Pairs; expected: string }>;
    toUrlQuery: Array<{ title: string; input: Pairs; expected: string }>;
    toFormFields: Array<{ title: string; input: Pairs; expected: Array<{ name: string; value: string }> }>;
    appendMessageToUrl: Array<{ title: string; input: { url: string; fields: Pairs }; expected: string }>;
    exceedsRedirectLimit: Array<{ title: string; input: { asciiLength?: number; repeat?: string; count?: number }; expected: boolean }>;
  };
}

const vectors = loadVectors<Vectors>('message');

describe('OpenID messages (OpenID 2.0 §4.1.2, §12, §14)', () => {
  it.each(vectors.parse)('parse: $title', ({ input, expected }) => {
    const message = parseOpenIdMessage(input);
    expect(message.version).toBe(expected.version);
    expect(message.mode).toBe(expected.mode ?? undefined);
    for (const [key, value] of Object.entries(expected.args)) {
      expect(message.getArg(key), key).toBe(value ?? undefined);
      expect(message.hasArg(key)).toBe(value !== null);
    }
    expect(Object.fromEntries(message.extensionNamespaces)).toEqual(expected.extensions);
    for (const [uri, alias] of Object.entries(expected.extensions)) {
      expect(message.aliasFor(uri)).toBe(alias);
      expect(message.uriFor(alias)).toBe(uri);
      expect(message.hasExtension(uri)).toBe(true);
      expect(message.isImplicitNamespace(uri)).toBe(expected.implicit.includes(uri));
    }
    for (const [uri, args] of Object.entries(expected.extensionArgs ?? {})) {
      expect(Object.fromEntries(message.getExtensionArgs(uri))).toEqual(args);
    }
    // Every openid.* field stays available unprefixed, in arrival order, for signatures (§6.1).
    const openidPairs = input.filter(([k]) => k.startsWith(OPENID_PREFIX)).map(([k, v]) => [k.slice(7), v]);
    expect([...message.fields]).toEqual(openidPairs);
    if (expected.fieldCount !== undefined) expect(message.fields.size).toBe(expected.fieldCount);
  });

  it.each(vectors.parseErrors)('parse refuses: $title', ({ input, error }) => {
    expectThrowsNamed(() => parseOpenIdMessage(input), error);
  });

  it('requireArg: a missing REQUIRED parameter is an InvalidRequest (§4.1)', () => {
    const message = parseOpenIdMessage([['openid.ns', 'http://specs.openid.net/auth/2.0']]);
    expectThrowsNamed(() => message.requireArg('mode'), 'InvalidRequest');
  });

  it('the 1.x implicit-alias hook can be replaced', () => {
    const message = parseOpenIdMessage([['openid.mode', 'checkid_setup'], ['openid.sreg.required', 'email']], {
      openId1ImplicitAliases: { sreg: 'http://openid.net/extensions/sreg/1.1' },
    });
    expect(message.aliasFor('http://openid.net/extensions/sreg/1.1')).toBe('sreg');
    expect(message.hasExtension('http://openid.net/sreg/1.0')).toBe(false);
  });

  it.each(vectors.build)('build: $title', ({ input, expected }) => {
    const fields = buildMessageFields({
      version: input.version,
      core: input.core,
      extensions: input.extensions,
      request: input.request ? parseOpenIdMessage(input.request) : undefined,
    });
    expect(fields).toEqual(expected);
    // What we build, we can parse back with the same meaning (2.0 declarations, 1.x implicit sreg).
    const reparsed = parseOpenIdMessage(fields.map(([k, v]) => [OPENID_PREFIX + k, v]));
    for (const ext of input.extensions.filter((e) => e.fields.length > 0)) {
      expect(Object.fromEntries(reparsed.getExtensionArgs(ext.uri))).toEqual(Object.fromEntries(ext.fields));
    }
  });

  it('build refuses core fields that would pose as namespace declarations', () => {
    expectThrowsNamed(() => buildMessageFields({ version: '2.0', core: [['ns.sreg', 'x']] }), 'RangeError');
    expectThrowsNamed(() => buildMessageFields({ version: '2.0', core: [['ns', 'x']] }), 'RangeError');
  });

  it.each(vectors.encode.toKeyValue)('toKeyValue: $title', ({ input, expected }) => {
    expect(toKeyValue(input)).toBe(expected);
  });
  it.each(vectors.encode.toUrlQuery)('toUrlQuery: $title', ({ input, expected }) => {
    expect(toUrlQuery(input)).toBe(expected);
    // Form-decoding gives the pairs back (§4.1.2).
    expect([...new URLSearchParams(expected)]).toEqual(input.map(([k, v]) => [OPENID_PREFIX + k, v]));
  });
  it.each(vectors.encode.toFormFields)('toFormFields: $title', ({ input, expected }) => {
    expect(toFormFields(input)).toEqual(expected);
  });
  it.each(vectors.encode.appendMessageToUrl)('appendMessageToUrl: $title', ({ input, expected }) => {
    expect(appendMessageToUrl(input.url, input.fields)).toBe(expected);
  });
  it.each(vectors.encode.exceedsRedirectLimit)('exceedsRedirectLimit: $title', ({ input, expected }) => {
    const url = input.asciiLength !== undefined ? 'x'.repeat(input.asciiLength) : input.repeat!.repeat(input.count!);
    expect(exceedsRedirectLimit(url)).toBe(expected);
  });
  it('encoders refuse text that has no UTF-8 form', () => {
    expectThrowsNamed(() => toUrlQuery([['error', '\ud800']]), 'InvalidRequest');
  });
});
