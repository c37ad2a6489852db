import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Config } from '../config/config.schema.js';

/** The operator's look: product name, optional logo and theme stylesheet, read once at start-up. */
export interface Branding {
  productName: string;
  logo?: { body: Buffer; contentType: string };
  theme?: string;
}

export function loadBranding(config: Config): Branding {
  const ui = config.ui;
  const branding: Branding = { productName: ui.product_name };
  if (ui.logo) {
    const type = { '.svg': 'image/svg+xml', '.png': 'image/png' }[extname(ui.logo).toLowerCase()];
    if (!type) throw new Error(`ui.logo: ${ui.logo} must be an .svg or .png file`);
    branding.logo = { body: readFileSync(ui.logo), contentType: type };
  }
  if (ui.theme) branding.theme = readFileSync(ui.theme, 'utf8');
  return branding;
}
