import Bowser from 'bowser';
import { text, type Text } from '../../i18n/locale.js';

/**
 * A session's device as a person names it ("Chrome on Linux", "Safari on iOS"), from the
 * User-Agent it signed in with, so that the owner can tell which session to end. A client the
 * parser does not know keeps the first product token of its User-Agent ("curl"); none at all
 * reads "Unknown browser". The words come from the catalogue (account.device.*) and render in the
 * language of the page or message that shows them; a product name alone needs no translation.
 */
export function deviceName(userAgent: string | null | undefined): Text | string {
  const ua = userAgent?.trim();
  if (!ua) return text('account.device.unknown');
  const { browser, os } = Bowser.parse(ua);
  // The parser's generic fallback may echo a long stretch of the User-Agent: keep names short.
  const browserName = short(browser.name);
  const osName = short(os.name);
  if (browserName) return osName ? text('account.device.on', { browser: browserName, os: osName }) : browserName;
  if (osName) return text('account.device.unknown_on', { os: osName });
  const product = /^[A-Za-z][A-Za-z0-9._+-]{0,39}/.exec(ua)?.[0];
  return product === undefined ? text('account.device.unknown') : product;
}

function short(name: string | undefined): string | undefined {
  const trimmed = name?.trim();
  if (!trimmed) return undefined;
  return trimmed.length <= 30 ? trimmed : `${trimmed.slice(0, 29)}…`;
}
