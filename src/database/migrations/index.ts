// Written by `npm run migration:generate` (src/database/migration-generate.ts) from the files in
// this directory; after adding a migration by hand, run `npm run migration:generate -- --index`.
import { CreateUsers1764340000000 } from './1764340000000-create-users.js';
import { CreateOpenidState1764350000000 } from './1764350000000-create-openid-state.js';
import { CreateLoginThrottle1764360000000 } from './1764360000000-create-login-throttle.js';
import { CreateAuditLog1764370000000 } from './1764370000000-create-audit-log.js';
import { AddReleasePreferences1764380000000 } from './1764380000000-add-release-preferences.js';
import { AddXmppAccounts1764390000000 } from './1764390000000-add-xmpp-accounts.js';
import { AddProviderSecrets1764391000000 } from './1764391000000-add-provider-secrets.js';
import { AddLoginApprovals1764400000000 } from './1764400000000-add-login-approvals.js';
import { AddAuditCreatedAtIndex1764410000000 } from './1764410000000-add-audit-created-at-index.js';
import { AddLoginDevices1764420000000 } from './1764420000000-add-login-devices.js';
import { SealStoredSecrets1764430000000 } from './1764430000000-seal-stored-secrets.js';
import { AddOidcStorage1764440000000 } from './1764440000000-add-oidc-storage.js';
import { AddOidcTrustGrants1764445000000 } from './1764445000000-add-oidc-trust-grants.js';
import { AddUserPhone1764450000000 } from './1764450000000-add-user-phone.js';
import { AddSecondFactors1764460000000 } from './1764460000000-add-second-factors.js';
import { AddPrivateIdentifiers1764470000000 } from './1764470000000-add-private-identifiers.js';
import { AddPasskeys1764480000000 } from './1764480000000-add-passkeys.js';

/** In order. A merged migration is never edited: schema changes come as new migrations. */
export const MIGRATIONS = [
  CreateUsers1764340000000,
  CreateOpenidState1764350000000,
  CreateLoginThrottle1764360000000,
  CreateAuditLog1764370000000,
  AddReleasePreferences1764380000000,
  AddXmppAccounts1764390000000,
  AddProviderSecrets1764391000000,
  AddLoginApprovals1764400000000,
  AddAuditCreatedAtIndex1764410000000,
  AddLoginDevices1764420000000,
  SealStoredSecrets1764430000000,
  AddOidcStorage1764440000000,
  AddOidcTrustGrants1764445000000,
  AddUserPhone1764450000000,
  AddSecondFactors1764460000000,
  AddPrivateIdentifiers1764470000000,
  AddPasskeys1764480000000,
];
