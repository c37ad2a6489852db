import { parseXmppService } from '../../src/xmpp/xmpp-address.js';
import { expectThrowsNamed, loadVectors } from './vectors.js';

type Vector = { title: string; input: { value: string; schemes?: ('xmpp' | 'xmpps')[] }; expected?: Record<string, unknown>; error?: string };

describe('XMPP server addresses (RFC 6120 §5, XEP-0368)', () => {
  it.each(loadVectors<Vector[]>('xmpp-address'))('$title', ({ input, expected, error }) => {
    if (error) {
      expectThrowsNamed(() => parseXmppService(input.value, input.schemes), error);
      return;
    }
    expect(parseXmppService(input.value, input.schemes)).toEqual(expected);
  });
});
