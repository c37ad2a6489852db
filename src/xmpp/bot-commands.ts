import { PROFILE_FIELDS, type ProfileField } from '../users/user.entity.js';

// The OpenID bot's chat commands (DESIGN.md, "XMPP"): plain text, case-insensitive, tolerant of
// extra whitespace, a leading "/" or "!" (habits from other bots), a trailing full stop and the
// quoted lines a chat app adds to a reply (XEP-0393 §5.1.2). Parsing only: the bot decides
// what each command does and answers.

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
  /** Not a command: `reply` is the one line to send back. */
  | { readonly ok: false; readonly reply: string };

/** One line of usage per command, in the order `help` lists them. */
export const BOT_COMMAND_USAGE: Readonly<Record<BotCommandName, string>> = {
  help: 'help [command]: what I can do',
  sites: 'sites: the sites you trust to sign you in without asking, numbered (and those that know you by a private identifier)',
  revoke: 'revoke <site or number>: stop trusting a site (the number from "sites")',
  sessions: 'sessions: where you are signed in',
  factors: 'factors: your second factors (authenticator apps, passkeys, recovery codes left)',
  'signout-all': 'signout all: sign out everywhere',
  history: 'history: your recent sign-ins',
  profile: 'profile: the details sites may ask for, and which ones you share',
  share: `share <field> on|off: offer a detail to sites by default, or stop (fields: ${PROFILE_FIELDS.join(', ')})`,
  notices: 'notices on|off: a message from me when you sign in to a new site',
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
  if (body.length > MAX_MESSAGE) return unknown('That message is too long for a command: try help');
  const lines = body
    .normalize('NFKC')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('>'));
  if (lines.length !== 1) return unknown(lines.length === 0 ? 'Say help to see what I can do.' : 'One command per message, please: try help');
  const text = lines[0]!.replace(/^[/!]/, '').replace(/[.!]+$/, '');
  const words = text.split(/\s+/).filter((w) => w !== '');
  const [first, ...rest] = words;
  if (first === undefined) return unknown('Say help to see what I can do.');
  const verb = first.toLowerCase();
  const args = rest.map((w) => w.toLowerCase());

  switch (verb) {
    case 'help':
    case '?':
    case 'commands': {
      if (args.length === 0) return ok({ command: 'help' });
      const topic = commandName(args.join(' '));
      return topic === undefined ? unknown(`There is no command ${quote(rest.join(' '))}: try help`) : ok({ command: 'help', topic });
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
      if (field === undefined) return unknown(`There is no field ${quote(rest[0]!)}: the fields are ${PROFILE_FIELDS.join(', ')}`);
      return on === undefined ? usage('share') : ok({ command: 'share', field, on });
    }
    case 'notices':
    case 'notice':
    case 'notifications': {
      const on = args.length === 1 ? SWITCH[args[0]!] : undefined;
      return on === undefined ? usage('notices') : ok({ command: 'notices', on });
    }
    default:
      return unknown(`I do not know ${quote(first)}: try help`);
  }
}

function commandName(text: string): BotCommandName | undefined {
  const normalized = text.replace(/^[/!]/, '');
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

function unknown(reply: string): ParsedBotMessage {
  return { ok: false, reply };
}

function usage(name: BotCommandName): ParsedBotMessage {
  return unknown(`Usage: ${BOT_COMMAND_USAGE[name]}`);
}

/** A user's word, quoted for a one-line answer: control characters dropped, at most 40 characters. */
function quote(word: string): string {
  const clean = word.replace(/[\p{Cc}\p{Cf}]/gu, '');
  return `"${clean.length > 40 ? `${clean.slice(0, 39)}…` : clean}"`;
}
