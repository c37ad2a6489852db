import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { uiConfig } from '../config/namespaces.js';
import type { Language } from '../i18n/languages.js';

/** What a page needs of the operator's look. */
export interface BrandingView {
  productName: string;
  /** ui.default_language: the pages' language when the visitor asks for none we speak. */
  defaultLanguage?: Language;
  logo?: { body: Buffer; contentType: string };
  theme?: string;
}

/** The operator's look (`ui.*`): product name, optional logo and theme stylesheet, read once at start-up. */
@Injectable()
export class Branding implements BrandingView {
  readonly productName: string;
  readonly defaultLanguage: Language;
  readonly logo?: { body: Buffer; contentType: string };
  readonly theme?: string;

  constructor(@Inject(uiConfig.KEY) ui: ConfigType<typeof uiConfig>) {
    this.productName = ui.product_name;
    this.defaultLanguage = ui.default_language;
    if (ui.logo) {
      const type = { '.svg': 'image/svg+xml', '.png': 'image/png' }[extname(ui.logo).toLowerCase()];
      // The schema admits .svg and .png only; this guards a Config not made by parseConfig.
      if (!type) throw new Error(`ui.logo: ${ui.logo} must be an .svg or .png file`);
      this.logo = { body: readFileSync(ui.logo), contentType: type };
    }
    if (ui.theme) this.theme = readFileSync(ui.theme, 'utf8');
  }
}
