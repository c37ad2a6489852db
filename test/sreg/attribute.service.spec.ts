import { Test } from '@nestjs/testing';
import { NS_AX_1_0, NS_SREG_1_1 } from '../../src/protocol/consts.js';
import { AttributeService } from '../../src/sreg/attribute.service.js';
import { AccountProfileSource, profileWithOrigins } from '../../src/sreg/account-profile-source.js';
import { ProfileSource } from '../../src/sreg/profile-source.js';
import { SregModule } from '../../src/sreg/sreg.module.js';
import { User } from '../../src/users/user.entity.js';
import { requestMessage } from './helpers.js';

function user(overrides: Partial<User>): User {
  return Object.assign(new User(), {
    id: 'u1',
    domain: 'example.org',
    username: 'alice',
    nickname: null,
    email: null,
    fullname: null,
    dob: null,
    gender: null,
    postcode: null,
    country: null,
    language: null,
    timezone: null,
    disabled: false,
    releaseDefaults: [],
    ...overrides,
  });
}

describe(SregModule.name, () => {
  it('provides AttributeService and ProfileSource (the account row over its vCard)', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [SregModule] }).compile();
    expect(moduleRef.get(AttributeService)).toBeInstanceOf(AttributeService);
    expect(moduleRef.get(ProfileSource)).toBeInstanceOf(AccountProfileSource);
    await moduleRef.close();
  });
});

describe(AccountProfileSource.name, () => {
  it('loads the non-empty profile columns of the user row, nothing else', async () => {
    const values = await new AccountProfileSource().load(
      user({ nickname: 'alice', email: 'alice@example.org', fullname: '  ', gender: 'F', passwordHash: 'secret' }),
    );
    expect(values).toEqual({ nickname: 'alice', email: 'alice@example.org', gender: 'F' });
  });

  it("fills the fields the user left empty from the vCard; the user's own values win", async () => {
    const row = user({ nickname: 'ali', email: null, fullname: ' ', vcard: { nickname: 'alice', email: 'alice@vcard.example', fullname: 'Alice Example', country: 'FR' } });
    expect(await new AccountProfileSource().load(row)).toEqual({ nickname: 'ali', email: 'alice@vcard.example', fullname: 'Alice Example', country: 'FR' });
    expect([...profileWithOrigins(row).fromVcard].sort()).toEqual(['country', 'email', 'fullname']);
    // Clearing the user's own value falls back to the vCard's.
    expect((await new AccountProfileSource().load({ ...row, nickname: null })).nickname).toBe('alice');
  });
});

describe(AttributeService.name, () => {
  const service = new AttributeService();
  const profile = { nickname: 'alice', email: 'alice@example.org', fullname: null, dob: '1980-00-00', gender: 'f', timezone: 'Europe/Paris' };

  it('describe: consent rows, required first, with the value that would be sent', () => {
    const request = service.parse(
      requestMessage({
        version: '2.0',
        params: {
          'openid.ns.sreg': NS_SREG_1_1,
          'openid.sreg.required': 'fullname',
          'openid.sreg.optional': 'nickname,gender',
          'openid.ns.ax': NS_AX_1_0,
          'openid.ax.mode': 'fetch_request',
          'openid.ax.type.email': 'http://axschema.org/contact/email',
          'openid.ax.type.birth': 'http://axschema.org/birthDate',
          'openid.ax.type.year': 'http://axschema.org/birthDate/birthYear',
          'openid.ax.type.tz': 'http://axschema.org/pref/timezone',
          'openid.ax.required': 'email',
          'openid.ax.if_available': 'birth,year',
        },
      }),
    );
    // Labels are catalogue texts (the consent page shows them in the reader's language): English here.
    expect(service.describe(request, profile).map((row) => ({ ...row, label: String(row.label) }))).toEqual([
      { field: 'email', label: 'E-mail address', value: 'alice@example.org', required: true },
      { field: 'fullname', label: 'Full name', value: undefined, required: true },
      { field: 'nickname', label: 'Nickname', value: 'alice', required: false },
      // AX only: a partial date cannot go as birthDate, but its year goes as birthYear.
      { field: 'dob', label: 'Date of birth', value: '1980', required: false },
      { field: 'gender', label: 'Gender', value: 'F', required: false },
      { field: 'timezone', label: 'Time zone', value: 'Europe/Paris', required: false },
    ]);
  });

  it('respond: delegates to buildAttributeResponse', () => {
    const request = service.parse(requestMessage({ version: '1.x', params: { 'openid.sreg.optional': 'nickname,email' } }));
    expect(service.respond(request, { email: 'alice@example.org' }, { authTime: new Date(0), policies: [] })).toEqual([
      { uri: 'http://openid.net/sreg/1.0', fields: [['email', 'alice@example.org']], preferredAlias: 'sreg' },
    ]);
  });
});

describe('AttributeService.parse of a parked request', () => {
  it('parses a parked request once; unparked requests and other parked ones are parsed afresh', () => {
    const service = new AttributeService();
    const message = requestMessage({ version: '2.0', params: { 'openid.ns.sreg': 'http://openid.net/extensions/sreg/1.1', 'openid.sreg.required': 'email' } });
    const first = service.parse(message, 'example.org\nparked-1');
    expect(first.fields.map((f) => f.field)).toEqual(['email']);
    expect(service.parse(message, 'example.org\nparked-1')).toBe(first);
    expect(service.parse(message, 'example.org\nparked-2')).not.toBe(first);
    expect(service.parse(message)).not.toBe(first);
    expect(service.parse(message)).toEqual(first);
  });
});
