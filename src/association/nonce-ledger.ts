import { Batcher } from '../database/batcher.js';

// The nonce ledger's writes gathered into batches (OpenID 2.0 §11.4.2.1: "the OP MUST NOT verify
// the same assertion more than once"). Every check_authentication records its response nonce
// before it may answer is_valid:true; recorded one INSERT each, every request paid a round trip
// and a commit of its own. Requests arriving together now share one statement (Batcher):
//
//   INSERT … SELECT * FROM unnest($1, $2) ON CONFLICT (nonce) DO NOTHING RETURNING nonce
//
// PostgreSQL still decides, row by row and across every instance, which insert was first (the
// primary key is the arbiter, as before): a nonce it returns is this request's; one it does not
// return was recorded before, by any instance. Within a batch the first request for a nonce is
// the one that goes to the database, and any later one in the same batch is a replay of it,
// refused without asking.

export interface NonceClaim {
  readonly nonce: string;
  readonly expiresAt: Date;
}

/** Runs one batch of distinct nonces: answers those that this statement inserted (the others were there). */
export type InsertNonces = (claims: readonly NonceClaim[]) => Promise<ReadonlySet<string>>;

/** The most nonces in one statement (two array parameters, whatever the count). */
export const MAX_NONCE_BATCH = 500;

export class NonceLedger {
  private readonly batcher: Batcher<NonceClaim, boolean>;

  /** `maxLength`: the column's; a longer nonce (or a bad date) fails its own claim, not its batch. */
  constructor(
    insert: InsertNonces,
    private readonly maxLength: number,
  ) {
    this.batcher = new Batcher(async (claims) => {
      const first = new Map<string, NonceClaim>();
      for (const claim of claims) if (!first.has(claim.nonce)) first.set(claim.nonce, claim);
      const inserted = await insert([...first.values()]);
      // Only the first claim of a nonce in the batch can have won; the others are its replays.
      return claims.map((claim) => first.get(claim.nonce) === claim && inserted.has(claim.nonce));
    }, MAX_NONCE_BATCH);
  }

  /** Records the nonce; true when this call was the first to, anywhere. */
  claim(nonce: string, expiresAt: Date): Promise<boolean> {
    if (nonce.length > this.maxLength) return Promise.reject(new RangeError(`nonce longer than ${this.maxLength} characters`));
    if (!Number.isFinite(expiresAt.getTime())) return Promise.reject(new RangeError('nonce expiry is not a date'));
    return this.batcher.submit({ nonce, expiresAt });
  }
}
