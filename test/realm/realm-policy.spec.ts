import { ConfigError } from '../../src/config/config.loader.js';
import { InvalidRealm } from '../../src/protocol/errors.js';
import { parseRealm } from '../../src/protocol/realm.js';
import { RealmPolicy, realmFallsUnder } from '../../src/realm/realm-policy.service.js';
import { realmSettings, type RealmInput } from './helpers.js';

function policy(realm: RealmInput = {}): RealmPolicy {
  return new RealmPolicy(realmSettings(realm));
}

function refusal(p: RealmPolicy, realm: string): InvalidRealm {
  let caught: unknown;
  try {
    p.check(realm);
  } catch (error) {
    caught = error;
  }
  expect(caught, `${realm} should be refused`).toBeInstanceOf(InvalidRealm);
  const error = caught as InvalidRealm;
  expect(error.allowRedirect).toBe(false);
  return error;
}

describe('RealmPolicy', () => {
  describe('defaults (DESIGN.md: http and IP realms accepted)', () => {
    const p = policy();

    it.each(['https://rp.example.com/', 'http://rp.example.com/', 'http://192.0.2.1:8080/', 'https://[2001:db8::1]/', 'https://*.example.com/', 'https://*.foo.github.io/'])(
      'serves %s',
      (realm) => {
        expect(p.check(realm).value).toBe(realm);
      },
    );

    it.each(['not a url', 'ftp://example.com/', 'https://example.com/#frag', 'https://user@example.com/'])('refuses the invalid realm %j', (realm) => {
      refusal(p, realm);
    });

    it.each(['http://*.com/', 'https://*.co.uk/', 'https://*.github.io/', 'https://*/', 'https://*.notatld/'])('refuses the over-broad realm %s (§9.2)', (realm) => {
      expect(refusal(p, realm).message).toMatch(/too broad/);
    });
  });

  it('allow_http: false refuses http realms', () => {
    const p = policy({ allow_http: false });
    expect(refusal(p, 'http://rp.example.com/').message).toBe('This provider only serves sites using https://');
    expect(p.check('https://rp.example.com/').scheme).toBe('https');
  });

  it('allow_ip_hosts: false refuses IPv4 and IPv6 hosts', () => {
    const p = policy({ allow_ip_hosts: false });
    refusal(p, 'https://192.0.2.1/');
    refusal(p, 'https://[2001:db8::1]:8443/');
    expect(p.check('https://rp.example.com/').hostKind).toBe('domain');
  });

  describe('denied', () => {
    const p = policy({ denied: ['https://*.evil.example/', 'https://shop.example.com/admin/', 'http://192.0.2.66/'] });

    it.each(['https://evil.example/', 'https://www.evil.example/', 'https://*.evil.example/', 'https://*.deep.evil.example/x', 'https://shop.example.com/admin/', 'https://shop.example.com/admin/x', 'http://192.0.2.66/app'])(
      'refuses %s',
      (realm) => {
        expect(refusal(p, realm).message).toBe('This provider does not serve this site');
      },
    );

    it.each(['https://notevil.example/', 'http://evil.example/', 'https://evil.example:8443/', 'https://shop.example.com/', 'https://shop.example.com/administrator', 'http://192.0.2.67/'])(
      'serves %s',
      (realm) => {
        expect(p.check(realm).value).toBe(realm);
      },
    );
  });

  describe('allowed', () => {
    const p = policy({ allowed: ['https://*.example.com/', 'https://www.example.org/', 'https://apps.example.net/team/'] });

    it.each(['https://example.com/', 'https://a.example.com/x', 'https://*.example.com/', 'https://*.foo.example.com/', 'https://www.example.org/login', 'https://apps.example.net/team/', 'https://apps.example.net/team/rp'])(
      'serves %s',
      (realm) => {
        expect(p.check(realm).value).toBe(realm);
      },
    );

    it.each([
      ['another site', 'https://example.net/'],
      ['the http variant', 'http://a.example.com/'],
      ['another port', 'https://a.example.com:8443/'],
      ['a wildcard wider than the named host (www.example.org does not allow *.example.org)', 'https://*.example.org/'],
      ['a sibling of the named host', 'https://example.org/'],
      ['a path outside the pattern', 'https://apps.example.net/other/'],
      ['a path sharing only a prefix', 'https://apps.example.net/teammates'],
      ['a look-alike domain', 'https://badexample.com/'],
    ])('refuses %s: %s', (_name, realm) => {
      refusal(p, realm);
    });

    it('denied wins over allowed', () => {
      const both = policy({ allowed: ['https://*.example.com/'], denied: ['https://bad.example.com/'] });
      refusal(both, 'https://bad.example.com/');
      expect(both.check('https://good.example.com/').host).toBe('good.example.com');
    });
  });

  it('realmFallsUnder: wildcard realms under wildcard patterns only', () => {
    const under = (realm: string, pattern: string): boolean => realmFallsUnder(parseRealm(realm), parseRealm(pattern));
    expect(under('https://*.foo.example/', 'https://*.example/')).toBe(true);
    expect(under('https://*.example/', 'https://*.example/')).toBe(true);
    expect(under('https://*.example/', 'https://www.example/')).toBe(false);
    expect(under('https://*.example/', 'https://*.foo.example/')).toBe(false);
    expect(under('https://192.0.2.1/', 'https://*/')).toBe(false);
    expect(under('https://a.example/', 'https://*/')).toBe(true);
  });

  it('patterns are compared in normalised form (case, default port, IDN)', () => {
    const p = policy({ allowed: ['HTTPS://Bücher.Example:443/'] });
    expect(p.check('https://xn--bcher-kva.example/').host).toBe('xn--bcher-kva.example');
  });

  it('a bad pattern is a start-up error naming its place', () => {
    let caught: unknown;
    try {
      policy({ allowed: ['https://ok.example/', 'not a realm'], denied: ['https://*.x*.example/'] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^realm\.allowed\.1: not a realm pattern /);
    expect(problems[1]).toMatch(/^realm\.denied\.0: not a realm pattern /);
  });

  describe('consent page flags', () => {
    const p = policy();

    it('https domain', () => {
      expect(p.describe(p.check('https://rp.example.com/'))).toEqual({ isHttp: false, isIpHost: false, isWildcard: false, unicodeHost: 'rp.example.com', asciiHost: 'rp.example.com' });
    });

    it('http wildcard IDN: shown both ways', () => {
      expect(p.describe(p.check('http://*.bücher.example/'))).toEqual({
        isHttp: true,
        isIpHost: false,
        isWildcard: true,
        unicodeHost: '*.bücher.example',
        asciiHost: '*.xn--bcher-kva.example',
      });
    });

    it('IP hosts', () => {
      expect(p.describe(p.check('http://192.0.2.1:8080/'))).toMatchObject({ isHttp: true, isIpHost: true, asciiHost: '192.0.2.1', unicodeHost: '192.0.2.1' });
      expect(p.describe(p.check('https://[2001:db8::1]/'))).toMatchObject({ isIpHost: true, asciiHost: '[2001:db8::1]' });
    });
  });
});
