import { timingSafeEqual } from 'node:crypto';
import type { Language } from '../i18n/languages.js';
import { Locale, translate, type Text } from '../i18n/locale.js';
import { randomToken, type RandomBytes } from '../protocol/random.js';
import { bareJid, sameBareJid, tryParseJid } from './jid.js';
import { childElements, element, firstChild, namespaceOf, textOf, type XmlElement } from './xml-node.js';

// XEP-0070 (Verifying HTTP Requests via XMPP) as our sign-in approval: the confirm request the bot
// sends to the user's bare JID, and the classification of whatever comes back. Pure functions:
// the bot (which owns the XMPP session) and the pending-request store (which owns the codes)
// call these.

export const NS_HTTP_AUTH = 'http://jabber.org/protocol/http-auth';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/**
 * Crockford's base32 alphabet: digits and upper-case letters without I, L, O and U. Without
 * I, L and O, the 0 and 1 that remain cannot be misread, and a reply typed with the lookalike
 * letters is still understood (normalizeTransactionCode). 32 symbols, so 8 of them carry
 * exactly 40 bits: short enough to compare at a glance, and 2^40 possibilities make guessing
 * the code of any of a user's concurrent requests hopeless (the reply must also come from
 * that user's own JID, as their server authenticated it).
 */
export const TRANSACTION_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const TRANSACTION_CODE_LENGTH = 8;

/**
 * A fresh transaction code from the CSPRNG. randomToken maps bytes to symbols by rejection
 * sampling so that every symbol is equally likely; with 32 symbols (a divisor of 256) no byte is
 * ever rejected, but the code stays correct if the alphabet changes.
 */
export function generateTransactionCode(randomBytes: RandomBytes): string {
  return randomToken(randomBytes, TRANSACTION_CODE_LENGTH, TRANSACTION_CODE_ALPHABET);
}

/**
 * A transaction code as a person may type it back: case-insensitive, spaces and hyphens
 * ignored, and Crockford's lookalikes read as what they look like (O → 0, I and L → 1).
 * Undefined when it is not a well-formed code.
 */
export function normalizeTransactionCode(input: string): string | undefined {
  if (input.length > 64) return undefined;
  const code = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (code.length !== TRANSACTION_CODE_LENGTH) return undefined;
  for (const ch of code) if (!TRANSACTION_CODE_ALPHABET.includes(ch)) return undefined;
  return code;
}

export interface ConfirmRequest {
  /** The bot's JID (a component's domain, or an account); the `from` of the message. */
  readonly from?: string;
  /** The user's bare JID. */
  readonly to: string;
  readonly code: string;
  /** Tracks the exchange; the user's client mirrors it (XEP-0070 §4.6). */
  readonly thread: string;
  /** Shown to the user: the relying party's realm, e.g. https://app.example/ (or what else they sign in to, in `lang`). */
  readonly site: string | Text;
  /** The URL the confirmation is for: `{base}/login`. */
  readonly url: string;
  /** A stanza id for the message (RFC 6120 §8.1.3). */
  readonly id?: string;
  /** The language of the body, said by the stanza's xml:lang (RFC 6120 §8.1.5). */
  readonly lang: Language;
}

/**
 * The confirm request, XEP-0070 §4.5: sent to a *bare* JID it MUST be a <message> ("to enable
 * delivery to the most available resource"), SHOULD carry a <thread>, MAY carry a <body> for
 * clients that do not understand http-auth (Conversations, Monal and Dino show only that), and
 * holds the <confirm/> with the transaction code as `id`, the HTTP method and the URL.
 * `type='normal'` as in the XEP's example; Gajim and Psi then open their confirmation dialog.
 */
export function buildConfirmMessage(request: ConfirmRequest): XmlElement {
  const { lang, code } = request;
  const site = sanitizeLine(typeof request.site === 'string' ? request.site : request.site.in(new Locale(lang)));
  // "yes" and "no" stay as they are in every language: they are what readApprovalReply reads.
  const body = [translate(lang, 'bot.approval.request_who', { site, account: request.to }), translate(lang, 'bot.approval.request_code', { code }), translate(lang, 'bot.approval.request_reply', { code })].join('\n');
  return element(
    'message',
    { type: 'normal', from: request.from, to: request.to, id: request.id, 'xml:lang': lang },
    element('thread', {}, request.thread),
    element('body', {}, body),
    element('confirm', { xmlns: NS_HTTP_AUTH, id: request.code, method: 'POST', url: request.url }),
  );
}

/** One line of display text: controls removed, at most 200 characters. */
function sanitizeLine(text: string): string {
  const clean = text.replace(/\p{Cc}+/gu, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

/** What an incoming stanza says about some approval, before it is matched to one. */
export interface ApprovalReply {
  readonly verdict: 'accept' | 'deny';
  /** Sender's bare JID, as the XMPP server stamped it. */
  readonly from: string;
  /** The transaction code it names, if any (an error bounce may carry only the thread). */
  readonly code?: string;
  readonly thread?: string;
  /** How it was expressed (for logs and the audit trail). */
  readonly via: 'confirm' | 'error' | 'chat';
}

const REPLY = /^(yes|no)\s+(\S(?:.*\S)?)$/i;

/**
 * Reads an incoming stanza as an answer to an approval request, or undefined when it is not one.
 *
 * - type=error (XEP-0070 §4.6 deny, "SHOULD be not-authorized"; also the server's bounce when
 *   the request could not be delivered): deny, identified by the mirrored <confirm/> id or by the
 *   <thread>.
 * - a <confirm/> with an id (XEP-0070 §4.6 accept: "MUST contain the original <confirm/>"): accept,
 *   whatever the body says (Gajim adds a body), unless the body is itself "no CODE".
 * - a chat or normal message whose body is `yes CODE` or `no CODE` (case-insensitive, trimmed,
 *   quoted lines of a reply ignored): for chat apps that only show the body.
 *
 * Deny wins when a stanza says both, so an ambiguous answer never signs anyone in.
 */
export function readApprovalReply(stanza: XmlElement): ApprovalReply | undefined {
  if (stanza.name !== 'message') return undefined;
  const sender = tryParseJid(stanza.attrs['from']);
  if (sender?.local === undefined) return undefined;
  const from = bareJid(sender);
  const type = stanza.attrs['type'] ?? 'normal';
  const ns = namespaceOf(stanza);
  const thread = threadOf(stanza, ns);
  const confirm = childElements(stanza, 'confirm', NS_HTTP_AUTH)[0];
  const confirmCode = confirm?.attrs['id'] === undefined ? undefined : normalizeTransactionCode(confirm.attrs['id']);

  if (type === 'error') {
    if (confirmCode === undefined && thread === undefined) return undefined;
    return { verdict: 'deny', from, code: confirmCode, thread, via: 'error' };
  }
  // RFC 6121 §5.2.2: groupchat and headline messages are not replies from a person.
  if (type !== 'normal' && type !== 'chat') return undefined;

  const typed = bodyReply(stanza, ns);
  if (typed?.verdict === 'deny') return { verdict: 'deny', from, code: typed.code, thread, via: 'chat' };
  if (confirmCode !== undefined) {
    // A confirm echo that names another code than the body is not trusted either way.
    if (typed !== undefined && typed.code !== confirmCode) return undefined;
    return { verdict: 'accept', from, code: confirmCode, thread, via: 'confirm' };
  }
  if (typed !== undefined) return { verdict: 'accept', from, code: typed.code, thread, via: 'chat' };
  return undefined;
}

function threadOf(stanza: XmlElement, ns: string | undefined): string | undefined {
  const thread = firstChild(stanza, 'thread');
  if (thread === undefined || namespaceOf(thread, ns) !== ns) return undefined;
  const text = textOf(thread).trim();
  return text === '' || text.length > 256 ? undefined : text;
}

function bodyReply(stanza: XmlElement, ns: string | undefined): { verdict: 'accept' | 'deny'; code: string } | undefined {
  const body = childElements(stanza, 'body').find((b) => namespaceOf(b, ns) === ns);
  if (body === undefined) return undefined;
  const raw = textOf(body);
  if (raw.length > 4096) return undefined;
  // XEP-0393 §5.1.2: lines starting with ">" quote the message being answered.
  const lines = raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('>'));
  if (lines.length !== 1) return undefined;
  const m = REPLY.exec(lines[0]!.replace(/[.!]+$/, ''));
  if (!m) return undefined;
  const code = normalizeTransactionCode(m[2]!);
  if (code === undefined) return undefined;
  return { verdict: m[1]!.toLowerCase() === 'yes' ? 'accept' : 'deny', code };
}

/** The pending approval a reply is checked against. */
export interface PendingApproval {
  readonly code: string;
  readonly thread: string;
  /** The bare JID the request was sent to. */
  readonly user: string;
}

export type ApprovalOutcome = 'accept' | 'deny' | 'unrelated';

/**
 * Whether `reply` answers `pending`: same bare JID as the request went to (another account
 * cannot approve or deny it), and the same transaction code, compared in constant time; an
 * error bounce without the <confirm/> is matched by its thread.
 */
export function matchApproval(reply: ApprovalReply | undefined, pending: PendingApproval): ApprovalOutcome {
  if (reply === undefined || !sameBareJid(reply.from, pending.user)) return 'unrelated';
  if (reply.code !== undefined) return constantTimeEqual(reply.code, pending.code) ? reply.verdict : 'unrelated';
  if (reply.via === 'error' && reply.thread !== undefined) return constantTimeEqual(reply.thread, pending.thread) ? 'deny' : 'unrelated';
  return 'unrelated';
}

/** readApprovalReply then matchApproval: accept, deny or unrelated for one pending request. */
export function classifyApprovalStanza(stanza: XmlElement, pending: PendingApproval): ApprovalOutcome {
  return matchApproval(readApprovalReply(stanza), pending);
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The error condition of a type=error stanza (RFC 6120 §8.3.3), for logs. */
export function stanzaErrorCondition(stanza: XmlElement): string | undefined {
  const error = firstChild(stanza, 'error');
  if (error === undefined) return undefined;
  return childElements(error, undefined, NS_STANZAS).find((c) => c.name !== 'text')?.name;
}
