/**
 * Markup a template rendered (and escaped): embedded raw by the page layout. Only views.ts and
 * the locale's th() make these, so nothing else can slip unescaped text into a page. A view
 * renders when its markup is read, so that it speaks the language of the page that shows it
 * (src/i18n/locale.ts, renderIn).
 */
export class Html {
  constructor(private readonly source: string | (() => string)) {}

  get value(): string {
    return typeof this.source === 'string' ? this.source : this.source();
  }

  toString(): string {
    return this.value;
  }
}
