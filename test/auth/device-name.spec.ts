import { deviceName } from '../../src/auth/account/device-name.js';
import { Locale, renderIn } from '../../src/i18n/locale.js';

// The sessions list names devices through a maintained parser (bowser); these are the shapes an
// owner meets, plus the inputs that must not break the page.
describe(deviceName.name, () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', 'Chrome on Linux'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0', 'Firefox on Windows'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0', 'Microsoft Edge on Windows'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36', 'Chrome on Android'],
    ['curl/8.14.1', 'curl'],
    ['', 'Unknown browser'],
    ['   ', 'Unknown browser'],
    [null, 'Unknown browser'],
    [undefined, 'Unknown browser'],
    ['\u0000\u0001', 'Unknown browser'],
  ])('%j → %s', (ua, expected) => {
    expect(String(deviceName(ua))).toBe(expected);
  });

  it('never throws and stays short on long or odd input', () => {
    for (const ua of ['x'.repeat(512), '€'.repeat(300), '(((((', 'Mozilla/5.0 '.repeat(40)]) {
      const name = String(deviceName(ua));
      expect(name.length).toBeLessThanOrEqual(60);
    }
  });

  // The words are the catalogue's (account.device.*), in the language of the page that shows them.
  it.each([
    ['de', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', 'Chrome unter Linux'],
    ['fr', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1', 'Safari sur iOS'],
    ['de', '', 'Unbekannter Browser'],
    ['fr', null, 'Navigateur inconnu'],
    ['fr', 'curl/8.14.1', 'curl'],
  ] as const)('%s: %j → %s', (lang, ua, expected) => {
    const name = deviceName(ua);
    expect(renderIn(new Locale(lang), () => String(name))).toBe(expected);
  });
});
