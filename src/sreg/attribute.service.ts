import { Injectable } from '@nestjs/common';
import type { ExtensionFields } from '../protocol/message-encode.js';
import type { OpenIdMessage } from '../protocol/message.js';
import type { Text } from '../i18n/locale.js';
import { PROFILE_LABELS } from '../users/profile.js';
import type { NameParts, ProfileField } from '../users/user.entity.js';
import { RecentCache } from '../common/recent-cache.js';
import { parseAttributeRequest, type AttributeRequest } from './attribute-request.js';
import { buildAttributeResponse, type PapeFacts, type ReleasedValues } from './attribute-response.js';
import { axValue, sregValue } from './attributes.js';
import { parseUiRequest, type UiRequest } from './ui-request.js';

/** One line of the consent page: a requested field and what would be sent for it. */
export interface ConsentRow {
  readonly field: ProfileField;
  /** How the field is named to people, e.g. "E-mail address" (a catalogue text: PROFILE_LABELS). */
  readonly label: string | Text;
  /** The value that would be sent if released; undefined when we have none to send. */
  readonly value: string | undefined;
  readonly required: boolean;
}

/** Parsed parked requests remembered (a parked request lives minutes), and how many. */
const PARSED_TTL_MS = 15 * 60_000;
const PARSED_CACHE_SIZE = 5_000;

/**
 * Simple Registration / Attribute Exchange / PAPE for the checkid flow: read what the RP asks,
 * describe it for the consent page, and build the extension fields of the assertion.
 */
@Injectable()
export class AttributeService {
  /**
   * SReg, AX and PAPE parts of a checkid request; InvalidRequest when malformed. `parkedKey`
   * names a parked request, whose message never changes: its parse is remembered for the steps
   * that follow (login, consent, approval).
   */
  parse(message: OpenIdMessage, parkedKey?: string): AttributeRequest {
    if (parkedKey === undefined) return parseAttributeRequest(message);
    const remembered = this.parsed.lookup(parkedKey);
    if (remembered !== undefined) return remembered.value;
    const request = parseAttributeRequest(message);
    this.parsed.set(parkedKey, request);
    return request;
  }

  private readonly parsed = new RecentCache<AttributeRequest>(PARSED_TTL_MS, PARSED_CACHE_SIZE);

  /**
   * The OpenID UI Extension 1.0 part of a checkid request (never throws), remembered like
   * `parse` for a parked request: read once, then at each of its pages from memory.
   */
  parseUi(message: OpenIdMessage, parkedKey?: string): UiRequest {
    if (parkedKey === undefined) return parseUiRequest(message);
    const remembered = this.parsedUi.lookup(parkedKey);
    if (remembered !== undefined) return remembered.value;
    const request = parseUiRequest(message);
    this.parsedUi.set(parkedKey, request);
    return request;
  }

  private readonly parsedUi = new RecentCache<UiRequest>(PARSED_TTL_MS, PARSED_CACHE_SIZE);

  /**
   * The consent page rows: every requested field of ours, required ones first (then in the SReg
   * field order), with the value as it would go out: the SReg format when SReg asked for the
   * field, else the first AX type asking for it that has something to send (e.g. a partial date
   * of birth can go as SReg dob and AX birthYear, never as AX birthDate).
   */
  describe(request: AttributeRequest, profile: Partial<Record<ProfileField, string | null | undefined>> & { nameParts?: NameParts }): ConsentRow[] {
    const rows = request.fields.map(({ field, required, sources }): ConsentRow => {
      const raw = profile[field];
      let value = sources.includes('sreg') ? sregValue(field, raw) : undefined;
      for (const attribute of request.ax?.attributes ?? []) {
        if (value !== undefined) break;
        if (attribute.field === field) value = axValue(attribute.typeUri, raw, profile.nameParts);
      }
      return { field, label: PROFILE_LABELS[field], value, required };
    });
    return [...rows.filter((row) => row.required), ...rows.filter((row) => !row.required)];
  }

  /** The assertion's extension fields for what the user released (signed with the assertion). */
  respond(request: AttributeRequest, released: ReleasedValues, pape: PapeFacts): ExtensionFields[] {
    return buildAttributeResponse(request, released, pape);
  }
}
