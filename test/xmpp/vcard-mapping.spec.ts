import { mapVcard4, mapVcardTemp, profileFromVcards, sregDate, vcard4FromPubsub, type VcardProfile } from '../../src/xmpp/vcard-mapping.js';
import type { XmlElement } from '../../src/xmpp/xml-node.js';
import { parseXml } from '../../src/xmpp/xmpp-connector.js';
import { loadVectors } from './vectors.js';

interface Vectors {
  vcardTemp: Array<{ title: string; input: string | XmlElement; expected: VcardProfile }>;
  vcard4: Array<{ title: string; input: string; expected: VcardProfile }>;
  pubsub: Array<{ title: string; input: string; expected: string | null }>;
  merge: Array<{ title: string; input: { vcard4?: string; vcardTemp?: string }; expected: VcardProfile }>;
  dates: Array<{ title: string; input: string; expected: string | null }>;
}

const vectors = loadVectors<Vectors>('vcard');
const tree = (input: string | XmlElement) => (typeof input === 'string' ? parseXml(input) : input);

describe('vCard → profile (XEP-0054, XEP-0292)', () => {
  it.each(vectors.vcardTemp)('vcard-temp: $title', ({ input, expected }) => {
    expect(mapVcardTemp(tree(input))).toEqual(expected);
  });

  it.each(vectors.vcard4)('vCard4: $title', ({ input, expected }) => {
    expect(mapVcard4(tree(input))).toEqual(expected);
  });

  it.each(vectors.pubsub)('PEP items: $title', ({ input, expected }) => {
    const vcard = vcard4FromPubsub(parseXml(input));
    expect(vcard === undefined ? null : mapVcard4(vcard).values.fullname).toBe(expected);
  });

  it.each(vectors.merge)('both flavours: $title', ({ input, expected }) => {
    expect(profileFromVcards({ vcard4: input.vcard4 ? parseXml(input.vcard4) : undefined, vcardTemp: input.vcardTemp ? parseXml(input.vcardTemp) : undefined })).toEqual(expected);
  });

  it.each(vectors.dates)('date: $title', ({ input, expected }) => {
    expect(sregDate(input) ?? null).toBe(expected);
  });

  it('reads a huge vCard in bounded time and keeps what is sane', () => {
    const emails = Array.from({ length: 5000 }, (_, i) => `<EMAIL><USERID>user${i}@example.com</USERID></EMAIL>`).join('');
    const photo = `<PHOTO><TYPE>image/png</TYPE><BINVAL>${'A'.repeat(2_000_000)}</BINVAL></PHOTO>`;
    const xml = `<vCard xmlns='vcard-temp'><FN>${'x'.repeat(300)}</FN>${photo}<NICKNAME>ok</NICKNAME>${emails}</vCard>`;
    const started = performance.now();
    const profile = mapVcardTemp(parseXml(xml));
    expect(performance.now() - started).toBeLessThan(2000);
    // FN is over the 255-character limit of src/users/profile.ts: dropped; the rest is read.
    expect(profile.values).toEqual({ nickname: 'ok', email: 'user0@example.com' });
  });

  it('never throws on odd trees', () => {
    const odd: XmlElement[] = [
      { name: 'vCard', ns: 'vcard-temp', attrs: {}, children: [] },
      { name: 'vCard', ns: 'vcard-temp', attrs: {}, children: ['text only', { name: 'EMAIL', attrs: {}, children: [{ name: 'USERID', attrs: {}, children: [] }] }] },
      { name: 'vcard', ns: 'urn:ietf:params:xml:ns:vcard-4.0', attrs: {}, children: [{ name: 'adr', attrs: {}, children: [{ name: 'parameters', attrs: {}, children: [{ name: 'pref', attrs: {}, children: [{ name: 'integer', attrs: {}, children: ['NaN'] }] }] }] }] },
    ];
    for (const node of odd) {
      expect(() => mapVcardTemp(node)).not.toThrow();
      expect(() => mapVcard4(node)).not.toThrow();
    }
    expect(mapVcardTemp(undefined)).toEqual({ values: {}, name: {} });
  });
});
