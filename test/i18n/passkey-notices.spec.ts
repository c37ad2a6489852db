import { passkeyCounterNotice } from '../../src/auth/factors/passkey.service.js';
import { Locale, text } from '../../src/i18n/locale.js';
import type { User } from '../../src/users/user.entity.js';

// The chat notices of the passkey flows come from the bot catalogue, in the reader's language.

describe('passkey chat notices', () => {
  const user = { username: 'romeo', domain: 'montague.lit' } as User;

  it('the counter regression notice names the account in each language', () => {
    const notice = passkeyCounterNotice(user);
    expect(notice.in(new Locale('en'))).toContain('A passkey of romeo@montague.lit was refused');
    expect(notice.in(new Locale('de'))).toContain('Ein Passkey von romeo@montague.lit wurde abgelehnt');
    expect(notice.in(new Locale('fr'))).toContain('Une clé d’accès de romeo@montague.lit a été refusée');
  });

  it('removal notices count what remains with each language’s plural', () => {
    const removed = (count: number) => text('bot.notice.passkey_removed', { label: 'Laptop', account: 'romeo@montague.lit', count });
    expect(removed(1).in(new Locale('en'))).toMatch(/1 second factor remains\.$/);
    expect(removed(2).in(new Locale('en'))).toMatch(/2 second factors remain\.$/);
    expect(removed(2).in(new Locale('de'))).toMatch(/2 zweite Faktoren bleiben\.$/);
    expect(removed(1).in(new Locale('fr'))).toMatch(/il reste 1 second facteur\.$/);
    expect(text('bot.notice.passkey_removed_last', { label: 'Laptop', account: 'romeo@montague.lit' }).in(new Locale('de'))).toContain('nur nach dem Passwort');
  });
});
