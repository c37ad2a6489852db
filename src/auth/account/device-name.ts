import Bowser from 'bowser';

/**
 * A session's device as a person names it ("Chrome on Linux", "Safari on iOS"), from the
 * User-Agent it signed in with, so that the owner can tell which session to end. A client the
 * parser does not know keeps the first product token of its User-Agent ("curl"); none at all
 * reads "Unknown browser".
 */
export function deviceName(userAgent: string | null | undefined): string {
  const ua = userAgent?.trim();
  if (!ua) return 'Unknown browser';
  const { browser, os } = Bowser.parse(ua);
  // The parser's generic fallback may echo a long stretch of the User-Agent: keep names short.
  const browserName = short(browser.name);
  const osName = short(os.name);
  if (browserName) return osName ? `${browserName} on ${osName}` : browserName;
  if (osName) return `Unknown browser on ${osName}`;
  const product = /^[A-Za-z][A-Za-z0-9._+-]{0,39}/.exec(ua)?.[0];
  return product ?? 'Unknown browser';
}

function short(name: string | undefined): string | undefined {
  const trimmed = name?.trim();
  if (!trimmed) return undefined;
  return trimmed.length <= 30 ? trimmed : `${trimmed.slice(0, 29)}…`;
}
