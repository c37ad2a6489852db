import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { inject } from 'vitest';

// Headless Chromium (the Debian package, STACK-NOTES §7) driven by playwright-core. Chromium
// trusts exactly one extra certificate, the run's test certificate, pinned by the SHA-256 of its
// SubjectPublicKeyInfo: there is no blanket --ignore-certificate-errors, and Playwright's
// ignoreHTTPSErrors stays off, so any other certificate problem still fails the navigation.

export const CHROMIUM = '/usr/bin/chromium';

/** Fails the suite (never skips it) when the browser is not installed. */
export function requireChromium(path = CHROMIUM): void {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the browser end-to-end suite (test/browser) needs the Debian chromium package. ` +
        '.ci/run installs it with apt-get when missing; locally, as root: apt-get update && apt-get install -y chromium. ' +
        'Do not download a browser any other way (no `npx playwright install`).',
    );
  }
}

/** base64(SHA-256(SPKI DER)) of a PEM certificate: the form --ignore-certificate-errors-spki-list takes. */
export function spkiFingerprint(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

function launchArgs(): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--ignore-certificate-errors-spki-list=${spkiFingerprint(readFileSync(inject('tls').cert, 'utf8'))}`,
    // Belt and braces: no name but localhost (and 127.0.0.1) resolves, so nothing leaves the machine.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
  ];
}

export const CHROMIUM_CONTEXT_OPTIONS = { ignoreHTTPSErrors: false, viewport: { width: 1000, height: 800 }, locale: 'en-GB' } as const;

/** A profile directory that outlives one launch (a "browser restart" reuses it). */
export class Profile {
  readonly dir = mkdtempSync(join(tmpdir(), 'op-browser-profile-'));

  /** Starts Chromium on this profile; close the context to shut the browser down. */
  launch(): Promise<BrowserContext> {
    return chromium.launchPersistentContext(this.dir, { executablePath: CHROMIUM, headless: true, args: launchArgs(), ...CHROMIUM_CONTEXT_OPTIONS });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Chromium for throw-away contexts (each newContext() is a fresh, cookie-less browser profile). */
export async function launchBrowser(): Promise<{ browser: Browser; newContext(): Promise<BrowserContext> }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: launchArgs() });
  return { browser, newContext: () => browser.newContext(CHROMIUM_CONTEXT_OPTIONS) };
}
