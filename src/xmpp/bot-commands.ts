import { text, Text, type Locale } from '../i18n/locale.js';
import { PROFILE_FIELDS, type ProfileField } from '../users/user.entity.js';

// The OpenID bot's chat commands (DESIGN.md, "XMPP"): plain text, case-insensitive, tolerant of
// extra whitespace, a leading "/" or "!" (habits from other bots), a trailing full stop and the
// quoted lines a chat app adds to a reply (XEP-0393 §5.1.2). Parsing only: the bot decides
// what each command does and answers. The command words are the same in every language; what the
// bot says about them comes from the catalogue (bot.*), in the language of the reply.

export type BotCommand =
  | { readonly command: 'help'; readonly topic?: BotCommandName }
  | { readonly command: 'sites' }
  | { readonly command: 'revoke'; readonly target: { readonly index: number } | { readonly realm: string } }
  | { readonly command: 'sessions' }
  | { readonly command: 'factors' }
  | { readonly command: 'signout-all' }
  | { readonly command: 'history' }
  | { readonly command: 'profile' }
  | { readonly command: 'share'; readonly field: ProfileField; readonly on: boolean }
  | { readonly command: 'notices'; readonly on: boolean };

export type BotCommandName = BotCommand['command'];

export type ParsedBotMessage =
  | { readonly ok: true; readonly command: BotCommand }
  /** Not a command: `reply` is the one line to send back, in the reply's language. */
  | { readonly ok: false; readonly reply: Text };

/** A placeholder of a command's syntax, "<number>": its word from the catalogue, in angle brackets. */
class Placeholder extends Text {
  override in(locale: Locale): string {
    return `<${locale.t(this.key)}>`;
  }
}

/** The placeholders of the commands' syntax (bot.arg.*). */
export const BOT_PLACEHOLDERS = {
  siteOrNumber: new Placeholder('bot.arg.site_or_number'),
  number: new Placeholder('bot.arg.number'),
  field: new Placeholder('bot.arg.field'),
} as const;

/** One line of usage per command, in the order `help` lists them. */
export const BOT_COMMAND_USAGE: Readonly<Record<BotCommandName, Text>> = {
  help: text('bot.usage.help'),
  sites: text('bot.usage.sites'),
  revoke: text('bot.usage.revoke', { target: BOT_PLACEHOLDERS.siteOrNumber }),
  sessions: text('bot.usage.sessions'),
  factors: text('bot.usage.factors'),
  'signout-all': text('bot.usage.signout_all'),
  history: text('bot.usage.history'),
  profile: text('bot.usage.profile'),
  share: text('bot.usage.share', { field: BOT_PLACEHOLDERS.field, fields: PROFILE_FIELDS.join(', ') }),
  notices: text('bot.usage.notices'),
};

const FIELD_ALIASES: Readonly<Record<string, ProfileField>> = {
  nick: 'nickname',
  'e-mail': 'email',
  mail: 'email',
  name: 'fullname',
  'full-name': 'fullname',
  birthday: 'dob',
  birthdate: 'dob',
  'date-of-birth': 'dob',
  sex: 'gender',
  zip: 'postcode',
  'postal-code': 'postcode',
  lang: 'language',
  tz: 'timezone',
  'time-zone': 'timezone',
  tel: 'phone',
  telephone: 'phone',
  mobile: 'phone',
  'phone-number': 'phone',
};

const SWITCH: Readonly<Record<string, boolean>> = { on: true, off: false };

const MAX_MESSAGE = 1000;

/** Parses a chat message body into a bot command, or the one-line answer for anything else. */
export function parseBotCommand(body: string): ParsedBotMessage {
  if (body.length > MAX_MESSAGE) return unknown(text('bot.parse.too_long'));
  const lines = body
    .normalize('NFKC')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('>'));
  if (lines.length !== 1) return unknown(lines.length === 0 ? text('bot.parse.empty') : text('bot.parse.one_command'));
  const line = lines[0]!.replace(/^[/!]/, '').replace(/[.!]+$/, '');
  const words = line.split(/\s+/).filter((w) => w !== '');
  const [first, ...rest] = words;
  if (first === undefined) return unknown(text('bot.parse.empty'));
  const verb = first.toLowerCase();
  const args = rest.map((w) => w.toLowerCase());

  switch (verb) {
    case 'help':
    case '?':
    case 'commands': {
      if (args.length === 0) return ok({ command: 'help' });
      const topic = commandName(args.join(' '));
      return topic === undefined ? unknown(text('bot.parse.no_command', { word: quote(rest.join(' ')) })) : ok({ command: 'help', topic });
    }
    case 'sites':
    case 'trusted':
      return args.length === 0 ? ok({ command: 'sites' }) : usage('sites');
    case 'revoke':
    case 'untrust':
    case 'forget': {
      if (rest.length !== 1) return usage('revoke');
      const arg = rest[0]!;
      if (/^\d{1,4}$/.test(arg)) {
        const index = Number(arg);
        return index >= 1 ? ok({ command: 'revoke', target: { index } }) : usage('revoke');
      }
      // The realm is kept as typed: paths are case-sensitive (OpenID 2.0 §9.2); the bot matches
      // it against the user's trusted realms with the realm rules.
      return ok({ command: 'revoke', target: { realm: arg } });
    }
    case 'sessions':
      return args.length === 0 ? ok({ command: 'sessions' }) : usage('sessions');
    case 'factors':
    case '2fa':
    case 'mfa':
      return args.length === 0 ? ok({ command: 'factors' }) : usage('factors');
    case 'signout':
    case 'logout':
      return args.length === 1 && args[0] === 'all' ? ok({ command: 'signout-all' }) : usage('signout-all');
    case 'sign':
    case 'log':
      return args.length === 2 && args[0] === 'out' && args[1] === 'all' ? ok({ command: 'signout-all' }) : usage('signout-all');
    case 'history':
      return args.length === 0 ? ok({ command: 'history' }) : usage('history');
    case 'profile':
      return args.length === 0 ? ok({ command: 'profile' }) : usage('profile');
    case 'share': {
      if (args.length !== 2) return usage('share');
      const field = profileField(args[0]!);
      const on = SWITCH[args[1]!];
      if (field === undefined) return unknown(text('bot.parse.no_field', { word: quote(rest[0]!), fields: PROFILE_FIELDS.join(', ') }));
      return on === undefined ? usage('share') : ok({ command: 'share', field, on });
    }
    case 'notices':
    case 'notice':
    case 'notifications': {
      const on = args.length === 1 ? SWITCH[args[0]!] : undefined;
      return on === undefined ? usage('notices') : ok({ command: 'notices', on });
    }
    default:
      return unknown(text('bot.parse.unknown', { word: quote(first) }));
  }
}

function commandName(typed: string): BotCommandName | undefined {
  const normalized = typed.replace(/^[/!]/, '');
  if (normalized === 'signout all' || normalized === 'sign out all' || normalized === 'signout' || normalized === 'signout-all') return 'signout-all';
  return (Object.keys(BOT_COMMAND_USAGE) as BotCommandName[]).find((name) => name === normalized);
}

function profileField(word: string): ProfileField | undefined {
  const key = word.replace(/_/g, '-');
  if ((PROFILE_FIELDS as readonly string[]).includes(key)) return key as ProfileField;
  return FIELD_ALIASES[key];
}

function ok(command: BotCommand): ParsedBotMessage {
  return { ok: true, command };
}

function unknown(reply: Text): ParsedBotMessage {
  return { ok: false, reply };
}

function usage(name: BotCommandName): ParsedBotMessage {
  return unknown(text('bot.parse.usage', { usage: BOT_COMMAND_USAGE[name] }));
}

/** A user's word, for a one-line answer (the catalogue quotes it): control characters dropped, at most 40 characters. */
function quote(word: string): string {
  const clean = word.replace(/[\p{Cc}\p{Cf}]/gu, '');
  return clean.length > 40 ? `${clean.slice(0, 39)}…` : clean;
}
