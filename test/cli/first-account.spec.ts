import { join } from 'node:path';
import { firstAccountCommands } from '../../src/cli/first-account.js';
import { parseConfig } from '../../src/config/config.loader.js';
import { UsersService } from '../../src/users/users.service.js';
import { bootApp, testConfig, uniqueName } from '../helpers/test-app.js';

// A first start with no account logs the command that creates one (main.ts); here, the command
// and the question behind it.

const one = parseConfig({ domains: [{ name: 'localhost', base_url: 'https://localhost:8443' }] }, null);
const two = parseConfig({ domains: [{ name: 'montague.lit', base_url: 'https://montague.lit' }, { name: 'capulet.lit', base_url: 'https://capulet.lit' }] }, null);
const command = (env: string, domain: string) => `echo 'a long passphrase' | ${env}npm run cli -- user add romeo --domain ${domain} --password-stdin`;

describe('the first-account command', () => {
  it('is the one of the README, with OPENID_PROVIDER_CONFIG only when the server read another file than the default', () => {
    expect(firstAccountCommands({ config: one, file: null }, '/srv/op')).toEqual([command('', 'localhost')]);
    expect(firstAccountCommands({ config: one, file: '/srv/op/config/openid-provider.yaml' }, '/srv/op')).toEqual([command('', 'localhost')]);
    expect(firstAccountCommands({ config: one, file: '/etc/op/op.yaml' }, '/srv/op')).toEqual([command('OPENID_PROVIDER_CONFIG=/etc/op/op.yaml ', 'localhost')]);
    expect(firstAccountCommands({ config: one, file: "/etc/my op/it's.yaml" }, '/srv/op')).toEqual([command(`OPENID_PROVIDER_CONFIG='/etc/my op/it'\\''s.yaml' `, 'localhost')]);
  });

  it('names each configured domain', () => {
    expect(firstAccountCommands({ config: two, file: join('/srv/op', 'config/openid-provider.yaml') }, '/srv/op')).toEqual([command('', 'montague.lit'), command('', 'capulet.lit')]);
  });

  it('leaves out accounts: xmpp domains, whose accounts are the XMPP server\'s', () => {
    const mixed = parseConfig(
      { domains: [{ name: 'montague.lit', base_url: 'https://montague.lit' }, { name: 'verona.lit', base_url: 'https://verona.lit', accounts: 'xmpp', xmpp: { server: 'xmpp://xmpp.verona.lit:5222' } }] },
      null,
    );
    expect(firstAccountCommands({ config: mixed, file: null }, '/srv/op')).toEqual([command('', 'montague.lit')]);
  });
});

describe('UsersService.hasAnyAccount', () => {
  it('is false until a configured domain has an account', async () => {
    // A domain of its own: on PostgreSQL the suites share one database.
    const domain = `${uniqueName('first')}.lit`;
    const { app, close } = await bootApp(testConfig({ domains: [{ name: domain, base_url: `https://${domain}` }] }));
    try {
      const users = app.get(UsersService);
      expect(await users.hasAnyAccount()).toBe(false);
      await users.create({ domain, username: 'romeo', password: 'a long passphrase' });
      expect(await users.hasAnyAccount()).toBe(true);
    } finally {
      await close();
    }
  });
});
