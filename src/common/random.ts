import { randomBytes, randomFillSync } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { RandomBytes } from '../protocol/random.js';

/** Bytes drawn from the CSPRNG at once: one system call for many small secrets. */
const POOL_SIZE = 4096;
/** Larger requests bypass the pool. */
const POOLED_MAX = 256;

/**
 * node:crypto's CSPRNG with a pool in front for small sizes (every checkid asks for a nonce and a
 * handle: one call into OpenSSL per 4 KiB instead of one per token, the way node:crypto's own
 * randomUUID buffers). Every byte is handed out once, as a copy, and zeroed in the pool when it
 * is, so nothing the pool gave away stays behind in it.
 */
export class RandomPool {
  private readonly pool = Buffer.allocUnsafeSlow(POOL_SIZE);
  private offset = POOL_SIZE;

  take(size: number): Buffer {
    if (size > POOLED_MAX) return randomBytes(size);
    if (this.offset + size > POOL_SIZE) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const out = Buffer.from(this.pool.subarray(this.offset, this.offset + size));
    this.pool.fill(0, this.offset, this.offset + size);
    this.offset += size;
    return out;
  }
}

/** The CSPRNG (node:crypto), as an injectable side effect; every secret, handle and nonce comes from here. */
@Injectable()
export class Random {
  private readonly pool = new RandomPool();

  readonly bytes: RandomBytes = (size) => this.pool.take(size);

  /** 256 bits, base64url: session tokens, CSRF tokens, pending-request ids. */
  token(bytes = 32): string {
    return this.pool.take(bytes).toString('base64url');
  }
}
