import { xml } from '@xmpp/client';
import { fromLtx, parseXml, serializeXml } from '../../src/xmpp/xmpp-connector.js';
import { element, type XmlElement } from '../../src/xmpp/xml-node.js';
import { presence } from '../../src/xmpp/xmpp-session.js';

// RFC 6120 §8.1.5 (and XML 1.0 §2.12): a stanza's text is in its own xml:lang, else in its
// stream's (the xml:lang of the stream header), and its children inherit it. The bot answers in
// that language, so fromLtx resolves it the way it resolves namespaces.

type Ltx = ReturnType<typeof xml>;
const Parser = (xml as unknown as { Parser: new () => { write(chunk: string): void; on(event: 'element', listener: (el: Ltx) => void): void } }).Parser;

/** The stanzas of a stream, as the connector hands them to the bot. */
function stanzas(stream: string): XmlElement[] {
  const parser = new Parser();
  const out: XmlElement[] = [];
  parser.on('element', (el) => out.push(fromLtx(el)));
  parser.write(stream);
  return out;
}

const HEADER = (lang: string | undefined) =>
  `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='openid.localhost' id='s1'${lang === undefined ? '' : ` xml:lang='${lang}'`}>`;

describe('xml:lang of incoming stanzas (RFC 6120 §8.1.5)', () => {
  it('is the stanza\'s own, else the stream header\'s; children inherit it', () => {
    const [own, inherited] = stanzas(
      `${HEADER('fr')}<message from='romeo@localhost/a' xml:lang='de-AT'><body>hilfe</body></message><message from='romeo@localhost/a'><body>aide</body><thread>t</thread></message>`,
    );
    expect(own!.lang).toBe('de-AT');
    expect(inherited!.lang).toBe('fr');
    expect((inherited!.children[0] as XmlElement).lang).toBe('fr');
    // The attribute is the stanza's only when it carried one: it is not invented on the way in.
    expect(inherited!.attrs['xml:lang']).toBeUndefined();
  });

  it('is absent when neither the stanza nor the stream says', () => {
    const [stanza] = stanzas(`${HEADER(undefined)}<message from='romeo@localhost/a'><body>help</body></message>`);
    expect(stanza!.lang).toBeUndefined();
    expect(parseXml(`<message from='romeo@localhost/a'><body>help</body></message>`).lang).toBeUndefined();
  });

  it('goes out as the xml:lang attribute of what we build', () => {
    expect(serializeXml(element('message', { to: 'romeo@localhost', type: 'chat', 'xml:lang': 'fr' }, element('body', {}, 'Dites help')))).toBe(
      '<message to="romeo@localhost" type="chat" xml:lang="fr"><body>Dites help</body></message>',
    );
  });

  it('says the bot\'s presence status in every language, one <status/> per xml:lang (RFC 6121 §4.7.2.2)', () => {
    expect(serializeXml(presence('openid.localhost', 'romeo@localhost', { en: 'Say help', de: 'Sagen Sie help', fr: 'Dites help' }))).toBe(
      '<presence from="openid.localhost" to="romeo@localhost"><status xml:lang="en">Say help</status><status xml:lang="de">Sagen Sie help</status><status xml:lang="fr">Dites help</status></presence>',
    );
    expect(serializeXml(presence(undefined, undefined, 'Say help'))).toBe('<presence><status>Say help</status></presence>');
  });
});
