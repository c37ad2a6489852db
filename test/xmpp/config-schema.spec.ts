import { ConfigError, parseConfig } from '../../src/config/config.loader.js';

// The per-domain XMPP options (DESIGN.md, "XMPP"): `accounts` and `xmpp`.

const base = { name: 'example.org', base_url: 'https://example.org' };

function domainOf(extra: Record<string, unknown>) {
  return parseConfig({ domains: [{ ...base, ...extra }] }, null).domains[0]!;
}

function problems(extra: Record<string, unknown>): string[] {
  try {
    parseConfig({ domains: [{ ...base, ...extra }] }, null);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration: domains[].accounts and domains[].xmpp', () => {
  it('has local accounts (accounts absent) and no XMPP by default', () => {
    expect(domainOf({})).toEqual(base);
  });

  it('reads the example of DESIGN.md, with a 10 s default timeout (in seconds)', () => {
    const domain = domainOf({
      accounts: 'xmpp',
      xmpp: {
        server: 'xmpp://xmpp.example.org:5222',
        ca_file: '/etc/openid/xmpp-ca.pem',
        bot: { component: 'openid.example.org', service: 'xmpp://127.0.0.1:5347', secret_file: '/etc/openid/xmpp-component.secret' },
      },
    });
    expect(domain.accounts).toBe('xmpp');
    expect(domain.xmpp).toEqual({
      server: 'xmpp://xmpp.example.org:5222',
      ca_file: '/etc/openid/xmpp-ca.pem',
      timeout: 10,
      bot: { component: 'openid.example.org', service: 'xmpp://127.0.0.1:5347', secret_file: '/etc/openid/xmpp-component.secret' },
      // The bot's defaults: a chat command every 2 s after a burst of 5; reconnections from 1 s
      // doubling up to 5 minutes; approvals wait 3 minutes.
      chat_rate_limit: { burst: 5, every: 2 },
      bot_reconnect: { initial: 1, max: 300 },
      approval: { timeout: 180, max_per_account: 5, max_per_address: 10 },
    });
  });

  it('accepts direct TLS and a bot signing in as an account of the domain', () => {
    const domain = domainOf({ xmpp: { server: 'xmpps://xmpp.example.org:5223', timeout: '3s', bot: { jid: 'openid@example.org', password_file: '/etc/openid/bot.password' } } });
    expect(domain.xmpp?.timeout).toBe(3);
    expect(domain.xmpp?.bot).toEqual({ jid: 'openid@example.org', password_file: '/etc/openid/bot.password' });
  });

  it('requires xmpp.server for accounts: xmpp', () => {
    expect(problems({ accounts: 'xmpp' })).toEqual(['domains.0.xmpp.server: required when accounts is xmpp']);
    expect(problems({ accounts: 'xmpp', xmpp: {} })).toEqual(['domains.0.xmpp.server: required when accounts is xmpp']);
  });

  it('refuses an unknown accounts value', () => {
    expect(problems({ accounts: 'ldap' })[0]).toMatch(/^domains\.0\.accounts: /);
  });

  it.each([
    ['https://xmpp.example.org:5222', 'expected xmpp://host:port or xmpps://host:port'],
    ['xmpp://xmpp.example.org', 'name the port, e.g. xmpp://xmpp.example.org:5222 (no SRV lookup is done)'],
    ['xmpp://bot:pw@xmpp.example.org:5222', 'must not carry credentials (secrets are read from files)'],
    ['xmpp://xmpp.example.org:5222/path', 'must be scheme://host:port, without a path, query or fragment'],
    ['xmpp://bad_host:5222', 'expected a DNS name or an IP address as the host'],
  ])('refuses the server address %s', (server, message) => {
    expect(problems({ xmpp: { server } })).toEqual([`domains.0.xmpp.server: ${message}`]);
  });

  it('refuses a TLS component address: XEP-0114 has no TLS', () => {
    expect(problems({ xmpp: { bot: { component: 'openid.example.org', service: 'xmpps://127.0.0.1:5347', secret_file: '/s' } } }).join('\n')).toMatch(/xmpp:\/\/host:port/);
  });

  it('refuses secrets written into the file: only *_file keys exist', () => {
    expect(problems({ xmpp: { server: 'xmpp://x.example.org:5222', password: 'hunter2' } })).toEqual(['domains.0.xmpp.password: unknown option']);
    const bot = problems({ xmpp: { bot: { component: 'openid.example.org', service: 'xmpp://127.0.0.1:5347', secret: 'hunter2' } } }).join('\n');
    expect(bot).not.toContain('hunter2');
    expect(bot).toMatch(/^domains\.0\.xmpp\.bot/);
  });

  it('checks the bot account: a bare JID of this domain, and a server to reach it by', () => {
    expect(problems({ xmpp: { server: 'xmpp://x.example.org:5222', bot: { jid: 'openid@example.com', password_file: '/p' } } })).toEqual(['domains.0.xmpp.bot.jid: must be an account of example.org']);
    expect(problems({ xmpp: { bot: { jid: 'openid@example.org', password_file: '/p' } } })).toEqual(['domains.0.xmpp.server: required for a bot that signs in as an account']);
    expect(problems({ xmpp: { server: 'xmpp://x.example.org:5222', bot: { jid: 'openid@example.org/bot', password_file: '/p' } } }).join('\n')).toMatch(/not a bare JID/);
  });

  it('checks the component domain', () => {
    expect(problems({ xmpp: { bot: { component: 'example.org', service: 'xmpp://127.0.0.1:5347', secret_file: '/s' } } })).toEqual(['domains.0.xmpp.bot.component: must differ from the domain itself, e.g. openid.example.org']);
    expect(problems({ xmpp: { bot: { component: 'OpenID.Example.org', service: 'xmpp://127.0.0.1:5347', secret_file: '/s' } } }).join('\n')).toMatch(/write it as openid\.example\.org/);
  });
});
