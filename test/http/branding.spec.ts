import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config.loader.js';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// The operator's look: ui.product_name, ui.logo and ui.theme.

const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https', accept: 'text/html' };

describe('branding', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'op-ui-'));
  writeFileSync(join(dir, 'theme.css'), ':root { --op-accent: #7a1f5c; }\n');
  writeFileSync(join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>');

  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, ui: { product_name: 'Verona ID', logo: join(dir, 'logo.svg'), theme: join(dir, 'theme.css') } }));
  });
  afterAll(() => t.close());

  it('names the product, shows the logo and loads the theme after the built-in stylesheet', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/login', headers: HTTPS });
    expect(page.body).toContain('<title>Sign in — example.org · Verona ID</title>');
    expect(page.body).toContain('<img src="/assets/logo" alt="" class="logo"><span class="product">Verona ID</span>');
    expect(page.body.indexOf('/assets/style.css')).toBeLessThan(page.body.indexOf('/assets/theme.css'));
    const theme = await t.app.inject({ method: 'GET', url: '/assets/theme.css', headers: HTTPS });
    expect(theme.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(theme.body).toContain('--op-accent: #7a1f5c');
    const logo = await t.app.inject({ method: 'GET', url: '/assets/logo', headers: HTTPS });
    expect(logo.headers['content-type']).toBe('image/svg+xml');
    // Error pages, rendered outside the controllers, carry the same look.
    const missing = await t.app.inject({ method: 'GET', url: '/nothing', headers: HTTPS });
    expect(missing.body).toContain('<span class="product">Verona ID</span>');
  });

  it('refuses a logo that is neither SVG nor PNG at start-up, with the other configuration errors', () => {
    writeFileSync(join(dir, 'logo.gif'), 'GIF89a');
    expect(() => testConfig({ ui: { logo: join(dir, 'logo.gif') } })).toThrow(ConfigError);
    expect(() => testConfig({ ui: { logo: join(dir, 'logo.gif') } })).toThrow('ui.logo: expected the path of an .svg or .png file');
  });
});
