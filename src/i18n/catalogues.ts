import type { Catalogue } from './catalogue.js';
import type { Language } from './languages.js';
import enCommon from './locales/en/common.js';
import enErrors from './locales/en/errors.js';
import enLogin from './locales/en/login.js';
import enAccount from './locales/en/account.js';
import enConsent from './locales/en/consent.js';
import enOidc from './locales/en/oidc.js';
import enDiscovery from './locales/en/discovery.js';
import enBot from './locales/en/bot.js';
import enPasskeys from './locales/en/passkeys.js';
import deCommon from './locales/de/common.js';
import deErrors from './locales/de/errors.js';
import deLogin from './locales/de/login.js';
import deAccount from './locales/de/account.js';
import deConsent from './locales/de/consent.js';
import deOidc from './locales/de/oidc.js';
import deDiscovery from './locales/de/discovery.js';
import deBot from './locales/de/bot.js';
import dePasskeys from './locales/de/passkeys.js';
import frCommon from './locales/fr/common.js';
import frErrors from './locales/fr/errors.js';
import frLogin from './locales/fr/login.js';
import frAccount from './locales/fr/account.js';
import frConsent from './locales/fr/consent.js';
import frOidc from './locales/fr/oidc.js';
import frDiscovery from './locales/fr/discovery.js';
import frBot from './locales/fr/bot.js';
import frPasskeys from './locales/fr/passkeys.js';

// One catalogue per language, one file per area of the product (who edits what stays apart).
// test/i18n/catalogues.spec.ts fails when a language misses a key another has.
export const CATALOGUES: Readonly<Record<Language, Catalogue>> = {
  en: { common: enCommon, errors: enErrors, login: enLogin, account: enAccount, consent: enConsent, oidc: enOidc, discovery: enDiscovery, bot: enBot, passkeys: enPasskeys },
  de: { common: deCommon, errors: deErrors, login: deLogin, account: deAccount, consent: deConsent, oidc: deOidc, discovery: deDiscovery, bot: deBot, passkeys: dePasskeys },
  fr: { common: frCommon, errors: frErrors, login: frLogin, account: frAccount, consent: frConsent, oidc: frOidc, discovery: frDiscovery, bot: frBot, passkeys: frPasskeys },
};
