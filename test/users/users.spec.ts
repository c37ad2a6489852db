import argon2 from 'argon2';
import { Test } from '@nestjs/testing';
import { type INestApplicationContext } from '@nestjs/common';
import { AppConfigModule } from '../../src/config/config.module.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { PasswordHasher } from '../../src/users/password-hasher.js';
import { UsersModule } from '../../src/users/users.module.js';
import { UsersService } from '../../src/users/users.service.js';
import { InvalidProfileField, validateProfile } from '../../src/users/profile.js';
import { DataSource } from 'typeorm';
import { testConfig, uniqueName } from '../helpers/test-app.js';

describe(UsersService.name, () => {
  let ctx: INestApplicationContext;
  let users: UsersService;
  let hasher: PasswordHasher;

  beforeAll(async () => {
    const loaded = testConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }, { name: 'montague.lit', base_url: 'https://montague.lit' }] });
    const moduleRef = await Test.createTestingModule({ imports: [AppConfigModule.forRoot(loaded), DatabaseModule, UsersModule] }).compile();
    ctx = await moduleRef.init();
    users = ctx.get(UsersService);
    hasher = ctx.get(PasswordHasher, { strict: false });
  });
  afterAll(() => ctx.close());
  afterEach(() => vi.restoreAllMocks());

  it('stores an argon2id hash, never the password', async () => {
    const name = uniqueName();
    await users.create({ domain: 'example.org', username: name, password: 'correct horse battery' });
    const row = (await ctx.get(DataSource).query('SELECT password_hash FROM users WHERE username = $1', [name])) as { password_hash: string }[];
    expect(row[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=8192,p=1,t=1\$/);
    expect(row[0]!.password_hash).not.toContain('correct horse');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const name = uniqueName();
    await users.create({ domain: 'example.org', username: name, password: 'correct horse battery' });
    const ok = await users.verifyCredentials('example.org', name, 'correct horse battery');
    expect(ok.ok).toBe(true);
    expect(ok.ok && ok.user.username).toBe(name);
    expect(ok.ok && 'passwordHash' in ok.user).toBe(false);
    expect(await users.verifyCredentials('example.org', name, 'correct horse batterY')).toEqual({ ok: false, reason: 'invalid_credentials' });
    // Same account name on another domain is another account.
    expect(await users.verifyCredentials('montague.lit', name, 'correct horse battery')).toEqual({ ok: false, reason: 'invalid_credentials' });
  });

  it('compares usernames case-insensitively (JID localparts)', async () => {
    const name = uniqueName('Romeo');
    await users.create({ domain: 'example.org', username: name, password: 'correct horse battery' });
    const check = await users.verifyCredentials('example.org', name.toUpperCase(), 'correct horse battery');
    expect(check.ok && check.user.username).toBe(name.toLowerCase());
    await expect(users.create({ domain: 'example.org', username: name.toLowerCase(), password: 'another password' })).rejects.toMatchObject({ code: 'user_exists', status: 409 });
  });

  it('spends the same argon2 work on unknown users and malformed names', async () => {
    const verify = vi.spyOn(PasswordHasher.prototype, 'verify');
    expect(await users.verifyCredentials('example.org', uniqueName('ghost'), 'whatever password')).toEqual({ ok: false, reason: 'invalid_credentials' });
    expect(await users.verifyCredentials('example.org', 'bad/name', 'whatever password')).toEqual({ ok: false, reason: 'invalid_credentials' });
    expect(verify).toHaveBeenCalledTimes(2);
    // ...and the hash it verifies against is a real argon2id hash with the configured cost.
    expect(verify.mock.calls[0]![0]).toMatch(/^\$argon2id\$v=19\$m=8192,p=1,t=1\$/);
  });

  it('says an account is disabled only to someone who knows its password', async () => {
    const name = uniqueName();
    await users.create({ domain: 'example.org', username: name, password: 'correct horse battery' });
    await users.setDisabled('example.org', name, true);
    expect(await users.verifyCredentials('example.org', name, 'wrong password!')).toEqual({ ok: false, reason: 'invalid_credentials' });
    expect(await users.verifyCredentials('example.org', name, 'correct horse battery')).toEqual({ ok: false, reason: 'account_disabled' });
    await users.setDisabled('example.org', name, false);
    expect((await users.verifyCredentials('example.org', name, 'correct horse battery')).ok).toBe(true);
  });

  it('rehashes with the current parameters at the next successful login', async () => {
    const name = uniqueName();
    await users.create({ domain: 'example.org', username: name, password: 'correct horse battery' });
    const ds = ctx.get(DataSource);
    const old = await argon2.hash('correct horse battery', { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await ds.query('UPDATE users SET password_hash = $1 WHERE username = $2', [old, name]);
    expect((await users.verifyCredentials('example.org', name, 'correct horse battery')).ok).toBe(true);
    const [row] = (await ds.query('SELECT password_hash FROM users WHERE username = $1', [name])) as { password_hash: string }[];
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=8192,p=1,t=1\$/);
  });

  it('remembers an account by id for a second (findByIdRecent): a change here counts at once, one elsewhere within the second', async () => {
    const name = uniqueName('mercutio');
    const created = await users.create({ domain: 'example.org', username: name, password: 'correct horse battery' });
    expect((await users.findByIdRecent(created.id))?.disabled).toBe(false);
    // Disabled through this process: forgotten at once.
    await users.setDisabled('example.org', name, true);
    expect((await users.findByIdRecent(created.id))?.disabled).toBe(true);
    // Changed by another process (straight in the table): seen within the second.
    await ctx.get(DataSource).query('UPDATE users SET disabled = false WHERE id = $1', [created.id]);
    expect((await users.findByIdRecent(created.id))?.disabled).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await users.findByIdRecent(created.id))?.disabled).toBe(false);
    // Removed here: gone at once; an absent id is not remembered.
    await users.remove('example.org', name);
    expect(await users.findByIdRecent(created.id)).toBeNull();
  });

  it('changes passwords, removes accounts and reports unknown ones', async () => {
    const name = uniqueName();
    await users.create({ domain: 'example.org', username: name, password: 'correct horse battery' });
    await users.setPassword('example.org', name, 'a brand new passphrase');
    expect((await users.verifyCredentials('example.org', name, 'correct horse battery')).ok).toBe(false);
    expect((await users.verifyCredentials('example.org', name, 'a brand new passphrase')).ok).toBe(true);
    await users.remove('example.org', name);
    await expect(users.remove('example.org', name)).rejects.toMatchObject({ code: 'unknown_user' });
    await expect(users.setPassword('example.org', name, 'whatever password')).rejects.toMatchObject({ code: 'unknown_user' });
  });

  it('refuses unknown domains, bad names, short passwords and malformed profiles', async () => {
    await expect(users.create({ domain: 'nowhere.org', username: 'a', password: 'long enough pw' })).rejects.toMatchObject({ code: 'unknown_domain' });
    for (const username of ['', 'a b', 'romeo@montague.lit', 'a/b', 'a:b', "o'neil", 'a\u0000b']) {
      await expect(users.create({ domain: 'example.org', username, password: 'long enough pw' }), JSON.stringify(username)).rejects.toMatchObject({ code: 'invalid_username' });
    }
    await expect(users.create({ domain: 'example.org', username: uniqueName(), password: 'short' })).rejects.toMatchObject({ code: 'invalid_password' });
    await expect(users.create({ domain: 'example.org', username: uniqueName(), password: 'long enough pw', email: 'not-an-address' })).rejects.toMatchObject({ code: 'invalid_profile_field' });
    await expect(users.create({ domain: 'example.org', username: uniqueName(), password: 'long enough pw', dob: '1990-02-30' })).rejects.toMatchObject({ code: 'invalid_profile_field' });
  });

  it('stores profile fields in their SReg formats', async () => {
    const name = uniqueName();
    await users.create({ domain: 'example.org', username: name, password: 'long enough pw', email: 'r@montague.lit', fullname: ' Romeo Montague ', nickname: 'romeo' });
    await users.updateProfile('example.org', name, { dob: '1996-00-00', gender: 'm', country: 'it', language: 'it-IT', timezone: 'Europe/Rome', postcode: '37121' });
    const user = await users.find('example.org', name);
    expect(user).toMatchObject({ email: 'r@montague.lit', fullname: 'Romeo Montague', nickname: 'romeo', dob: '1996-00-00', gender: 'M', country: 'IT', language: 'it-IT', timezone: 'Europe/Rome', postcode: '37121' });
    await users.updateProfile('example.org', name, { email: null });
    expect((await users.find('example.org', name))?.email).toBeNull();
  });

  it('stores a phone number as its E.164 form, from the way people type it, and clears it', async () => {
    const name = uniqueName();
    await users.create({ domain: 'example.org', username: name, password: 'long enough pw', phone: '+33 1 23 45 67 89' });
    expect((await users.find('example.org', name))?.phone).toBe('+33123456789');
    await users.updateProfile('example.org', name, { phone: '+1 (425) 555-1212' });
    expect((await users.find('example.org', name))?.phone).toBe('+14255551212');
    await expect(users.updateProfile('example.org', name, { phone: '01 23 45 67 89' })).rejects.toMatchObject({ code: 'invalid_profile_field', field: 'phone' });
    expect((await users.find('example.org', name))?.phone).toBe('+14255551212');
    await users.updateProfile('example.org', name, { phone: '' });
    expect((await users.find('example.org', name))?.phone).toBeNull();
  });

  it('creates an XMPP account row without a password at its first sign-in, and keeps or refreshes its vCard', async () => {
    const name = uniqueName();
    const first = await users.signedInByXmpp('montague.lit', name.toUpperCase(), { email: 'a@montague.lit', fullname: 'A' });
    expect(first).toMatchObject({ domain: 'montague.lit', username: name, vcard: { email: 'a@montague.lit', fullname: 'A' }, xmppNotices: true, disabled: false });
    const row = (await ctx.get(DataSource).query('SELECT password_hash FROM users WHERE id = $1', [first.id])) as { password_hash: string | null }[];
    expect(row[0]!.password_hash).toBeNull();
    // Not read this time (undefined): kept; read and absent (null): cleared. Same row throughout.
    const kept = await users.signedInByXmpp('montague.lit', name);
    expect(kept.id).toBe(first.id);
    expect(kept.vcard).toEqual({ email: 'a@montague.lit', fullname: 'A' });
    const cleared = await users.signedInByXmpp('montague.lit', name, null);
    expect(cleared.id).toBe(first.id);
    expect(cleared.vcard).toBeNull();
    expect(cleared.vcardFetchedAt).toBeInstanceOf(Date);
    // The row has no local password: a local check of it is an ordinary failure, at full cost.
    const verifyNothing = vi.spyOn(hasher, 'verifyNothing');
    expect(await users.verifyCredentials('montague.lit', name, 'anything at all')).toEqual({ ok: false, reason: 'invalid_credentials' });
    expect(verifyNothing).toHaveBeenCalledOnce();
  });

  it('hashes with the production default (OWASP argon2id m=19456, t=2, p=1)', async () => {
    const production = new PasswordHasher(testConfig({ security: { password_hash: {} } }).config.security);
    const hash = await production.hash('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await production.verify(hash, 'correct horse battery')).toBe(true);
    expect(await production.verify(hash, 'correct horse batterx')).toBe(false);
    expect(await production.verify('not a hash', 'x')).toBe(false);
    expect(production.needsRehash(hash)).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(true);
  });
});

// ITU-T E.164 (a country code never starting with 0, at most 15 digits), written as OpenID Connect
// Core 1.0 §5.1 recommends for phone_number: "+" and the digits, no formatting.
describe('phone number (src/users/profile.ts)', () => {
  it.each([
    ['OpenID Connect Core 1.0 §5.1 example', '+1 (425) 555-1212', '+14255551212'],
    ['OpenID Connect Core 1.0 §5.1 example (area code in parentheses)', '+56 (2) 687 2400', '+5626872400'],
    ['ITU-T E.123 §7.1 spaces', '+33 1 23 45 67 89', '+33123456789'],
    ['dots', '+33.1.23.45.67.89', '+33123456789'],
    ['dashes', '+1-202-555-0143', '+12025550143'],
    ['the national trunk prefix "(0)" is not part of the number (E.123 §2.5)', '+44 (0)20 7946 0958', '+442079460958'],
    ['a slash', '+49 30/1234567', '+49301234567'],
    ['already E.164', '+81312345678', '+81312345678'],
    ['full-width digits and plus (NFKC)', '＋８１ ３ １２３４ ５６７８', '+81312345678'],
    ['an en dash pasted from a document', '+1 202\u2013555\u20130143', '+12025550143'],
    ['surrounding spaces', '  +39 06 1234 5678  ', '+390612345678'],
    ['seven digits, the shortest in service (Tokelau)', '+690 1234', '+6901234'],
    ['fifteen digits, the E.164 maximum', '+882 1234 5678 9012', '+882123456789012'],
  ])('accepts %s', (_title, typed, stored) => {
    expect(validateProfile({ phone: typed })).toEqual({ phone: stored });
  });

  it.each([
    ['a national number names no country', '01 23 45 67 89', 'phone: must be in international format: + and the country code, e.g. +33 1 23 45 67 89'],
    ['an international call prefix depends on the caller\'s country', '0033 1 23 45 67 89', 'phone: must be in international format: + and the country code, e.g. +33 1 23 45 67 89'],
    ['letters', '+1 800 FLOWERS', 'phone: may contain only digits, spaces, dots, dashes, parentheses and a leading +'],
    ['an extension', '+1 425 555 1212 ext. 5', 'phone: may contain only digits, spaces, dots, dashes, parentheses and a leading +'],
    ['a + in the middle', '+33 1 23 +45 67 89', 'phone: may contain only digits, spaces, dots, dashes, parentheses and a leading +'],
    ['a country code starting with 0', '+0 123 456 789', 'phone: must start with + and the country code, which never starts with 0'],
    ['too short', '+33 12 34', 'phone: must have 7 to 15 digits after the + (ITU-T E.164)'],
    ['sixteen digits', '+1234 5678 9012 3456', 'phone: must have 7 to 15 digits after the + (ITU-T E.164)'],
    ['a lone +', '+', 'phone: must have 7 to 15 digits after the + (ITU-T E.164)'],
    ['longer than the column', '+33 . . . . . . . . . . 1 23 45 67 89', 'phone: is longer than 32 characters'],
    ['a control character', '+33 1 23 45\t67 89', 'phone: contains control characters'],
  ])('refuses %s', (_title, typed, message) => {
    let error: unknown;
    try {
      validateProfile({ phone: typed });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidProfileField);
    expect(error).toMatchObject({ code: 'invalid_profile_field', field: 'phone' });
    expect(String((error as InvalidProfileField).publicDetail)).toBe(message);
  });
});
