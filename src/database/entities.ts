import { Association, ProviderSecret, UsedNonce } from '../association/association.entity.js';
import { AuditEvent } from '../audit/audit.entity.js';
import { LoginApproval } from '../auth/approval/login-approval.entity.js';
import { PendingRequest } from '../auth/checkid/pending-request.entity.js';
import { Session } from '../auth/session/session.entity.js';
import { OidcSigningKey } from '../oidc/keys/oidc-signing-key.entity.js';
import { OidcModel } from '../oidc/storage/oidc-model.entity.js';
import { PrivateIdentifier } from '../realm/private-identifier.entity.js';
import { TrustGrant } from '../realm/trust-grant.entity.js';
import { User } from '../users/user.entity.js';

// Every entity and migration, listed explicitly (ESM-safe: no globs). New modules add theirs here.
export const ENTITIES = [User, Association, UsedNonce, ProviderSecret, Session, PendingRequest, TrustGrant, AuditEvent, LoginApproval, OidcModel, OidcSigningKey, PrivateIdentifier];
