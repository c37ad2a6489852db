import type { DomainConfig } from '../../config/config.schema.js';
import type { ClientInfo } from '../../http/request-input.js';
import type { ErrorAnswer } from '../../protocol/errors.js';
import type { OpenIdMessage } from '../../protocol/message.js';
import type { Realm, ReturnToUrl } from '../../protocol/realm.js';
import type { FoundPrivateIdentifier } from '../../realm/private-identifier.entity.js';
import type { ReturnToVerification } from '../../realm/return-to-verifier.js';
import type { AttributeRequest } from '../../sreg/attribute-request.js';
import type { UiRequest } from '../../sreg/ui-request.js';

export type { ClientInfo };

/** What the RP asked us to assert (OpenID 2.0 §9.1). */
export type RequestedIdentity =
  /** identifier_select (§9.1): the user chooses, we answer with their identifier. */
  | { kind: 'select' }
  /** A specific identifier of ours; claimedId may be the RP's (delegated) claimed identifier. */
  | { kind: 'user'; username: string; identity: string; claimedId: string | undefined }
  /**
   * A private identifier of ours, `{base}/openid/p/{opaque}` (an RP that stored it asks for it
   * directly): answered only for its account, at its realm (CheckidService.accountMatches).
   */
  | { kind: 'private'; opaque: string; identity: string; claimedId: string | undefined }
  /** No identifier at all (§9.1: extension-only request). */
  | { kind: 'none' };

/** §9.2.1 relying-party discovery outcome, for the consent page. */
export type ReturnToCheck = ReturnToVerification;

/** A checkid_setup / checkid_immediate request, validated step by step. */
export interface CheckidContext {
  readonly domain: DomainConfig;
  readonly message: OpenIdMessage;
  /** The openid.* pairs as received, to park the request or rebuild user_setup_url. */
  readonly pairs: [string, string][];
  readonly immediate: boolean;
  /** Who is asking, for the sign-in history. */
  readonly client: ClientInfo;
  /** How errors about this request are answered: indirect, and to return_to once it is verified (§5.2.3). */
  answer: ErrorAnswer;
  realm?: Realm;
  returnTo?: ReturnToUrl;
  returnToCheck?: ReturnToCheck;
  identity?: RequestedIdentity;
  /** For a private identity: its row (whose account, which realm), null when no such identifier exists. */
  privateIdentifier?: FoundPrivateIdentifier | null;
  /** SReg / AX / PAPE asks (empty when the RP asked for nothing). */
  attributes?: AttributeRequest;
  /** OpenID UI Extension 1.0: popup layout, RP icon, language preference (never undefined once validated). */
  ui?: UiRequest;
}
