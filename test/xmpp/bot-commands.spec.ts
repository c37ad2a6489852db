import { BOT_COMMAND_USAGE, parseBotCommand } from '../../src/xmpp/bot-commands.js';
import { loadVectors } from './vectors.js';

type Vector = { title: string; input: string; expected: unknown };

describe('OpenID bot commands (DESIGN.md, "XMPP")', () => {
  it.each(loadVectors<Vector[]>('bot-commands'))('$title', ({ input, expected }) => {
    expect(parseBotCommand(input)).toEqual(expected);
  });

  it('answers every non-command in one line', () => {
    for (const body of ['what?', 'share', 'revoke', 'x'.repeat(5000), 'a\nb', '\u0000', '😀😀😀']) {
      const parsed = parseBotCommand(body);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reply).not.toMatch(/\n/);
    }
  });

  it('documents every command in one line', () => {
    for (const line of Object.values(BOT_COMMAND_USAGE)) expect(line).not.toMatch(/\n/);
  });
});
