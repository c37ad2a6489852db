/**
 * Markup a template has already rendered (and escaped): embedded raw by the page layout. Only
 * views.ts makes these, so nothing else can slip unescaped text into a page.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}
