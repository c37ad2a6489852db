import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ConsoleMessage, Page, Response } from 'playwright-core';

// What the scenarios do with a page: screenshot it, wait for the navigation a click starts,
// record main-frame navigations, and run axe-core on it.

export const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

/** Screenshots of one scenario, numbered in the order the pages were seen: <scenario>-<n>.png. */
export class Screenshots {
  private n = 0;

  constructor(private readonly scenario: string) {
    mkdirSync(SCREENSHOTS, { recursive: true });
  }

  async take(page: Page): Promise<string> {
    const path = `${SCREENSHOTS}${this.scenario}-${++this.n}.png`;
    await page.screenshot({ path, fullPage: true });
    return path;
  }
}

/**
 * Runs `action` (a click, a goto) and waits until the main frame has committed and loaded a new
 * document. When none comes, the error carries what the page logged meanwhile (a CSP refusal, say).
 */
export async function navigation(page: Page, action: () => Promise<unknown>, timeout = 10_000): Promise<void> {
  const logged: string[] = [];
  const onConsole = (message: ConsoleMessage): void => void logged.push(`[console.${message.type()}] ${message.text()}`);
  page.on('console', onConsole);
  try {
    const committed = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame(), timeout });
    await action();
    await committed.catch((error: unknown) => {
      throw new Error(`no navigation after the action, still at ${page.url()}${logged.length > 0 ? `; the page logged:\n${logged.join('\n')}` : ''}`, { cause: error });
    });
    await page.waitForLoadState('load');
  } finally {
    page.off('console', onConsole);
  }
}

export interface NavigationRecord {
  url: string;
  status: number;
  contentType: string;
}

/** Every main-frame document response (redirect hops included) and every committed main-frame URL. */
export class NavigationLog {
  readonly responses: NavigationRecord[] = [];
  readonly committed: string[] = [];

  constructor(private readonly page: Page) {
    page.on('response', this.onResponse);
    page.on('framenavigated', this.onCommit);
  }

  stop(): void {
    this.page.off('response', this.onResponse);
    this.page.off('framenavigated', this.onCommit);
  }

  private readonly onResponse = (response: Response): void => {
    const request = response.request();
    if (!request.isNavigationRequest() || request.frame() !== this.page.mainFrame()) return;
    this.responses.push({ url: response.url(), status: response.status(), contentType: response.headers()['content-type'] ?? '' });
  };

  private readonly onCommit = (frame: ReturnType<Page['mainFrame']>): void => {
    if (frame === this.page.mainFrame()) this.committed.push(frame.url());
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * axe-core (WCAG 2 A and AA rules) on the page as served, CSP included: the library is evaluated
 * through the DevTools protocol (page.evaluate), which the page's `script-src 'self'` does not
 * govern, so no bypassCSP is needed. Answers the serious and critical violations, readably.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as { document: unknown; axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } };
    const result = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes.map((n) => `    at ${JSON.stringify(n.target)}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n/g, '\n      ')}` : ''}`).join('\n'),
    );
}
