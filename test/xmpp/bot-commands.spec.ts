import { LANGUAGES } from '../../src/i18n/languages.js';
import { Locale } from '../../src/i18n/locale.js';
import { BOT_COMMAND_USAGE, parseBotCommand, type ParsedBotMessage } from '../../src/xmpp/bot-commands.js';
import { loadVectors } from './vectors.js';

type Vector = { title: string; input: string; expected: unknown };

/** The parse result with its answer rendered (English unless `locale` says otherwise). */
function rendered(parsed: ParsedBotMessage, locale = new Locale('en')): unknown {
  return parsed.ok ? parsed : { ok: false, reply: parsed.reply.in(locale) };
}

describe('OpenID bot commands (DESIGN.md, "XMPP")', () => {
  it.each(loadVectors<Vector[]>('bot-commands'))('$title', ({ input, expected }) => {
    expect(rendered(parseBotCommand(input))).toEqual(expected);
  });

  it('answers every non-command in one line, in every language', () => {
    for (const lang of LANGUAGES) {
      for (const body of ['what?', 'share', 'revoke', 'x'.repeat(5000), 'a\nb', '\u0000', '😀😀😀']) {
        const parsed = parseBotCommand(body);
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.reply.in(new Locale(lang))).not.toMatch(/\n/);
      }
    }
  });

  it('documents every command in one line, in every language, the command word first', () => {
    for (const lang of LANGUAGES) {
      for (const [name, line] of Object.entries(BOT_COMMAND_USAGE)) {
        const usage = line.in(new Locale(lang));
        expect(usage).not.toMatch(/\n/);
        expect(usage.startsWith(name === 'signout-all' ? 'signout all' : name)).toBe(true);
      }
    }
  });

  it('answers in German and French; the command words and their placeholders stay commands', () => {
    const de = new Locale('de');
    const fr = new Locale('fr');
    const usage = parseBotCommand('revoke');
    expect(rendered(usage, de)).toEqual({ ok: false, reply: 'Verwendung: revoke <Website oder Nummer>: einer Website nicht mehr vertrauen (die Nummer aus „sites“)' });
    expect(rendered(usage, fr)).toEqual({ ok: false, reply: 'Utilisation\u00a0: revoke <site ou numéro>\u00a0: ne plus faire confiance à un site (le numéro donné par «\u202fsites\u202f»)' });
    expect(rendered(parseBotCommand('hello there'), de)).toEqual({ ok: false, reply: '„hello“ kenne ich nicht: Versuchen Sie help' });
    expect(rendered(parseBotCommand('hello there'), fr)).toEqual({ ok: false, reply: 'Je ne connais pas «\u202fhello\u202f»\u00a0: essayez help' });
    expect(rendered(parseBotCommand('share shoesize on'), de)).toMatchObject({ reply: expect.stringMatching(/^Das Feld „shoesize“ gibt es nicht: Die Felder sind nickname, email,/) });
    expect(rendered(parseBotCommand('   '), fr)).toEqual({ ok: false, reply: 'Dites help pour voir ce que je sais faire.' });
    // A command is the same word whatever the language it is answered in.
    expect(parseBotCommand('sites')).toEqual({ ok: true, command: { command: 'sites' } });
  });
});
