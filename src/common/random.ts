import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { RandomBytes } from '../protocol/random.js';

/** The CSPRNG (node:crypto), as an injectable side effect; every secret, handle and nonce comes from here. */
@Injectable()
export class Random {
  readonly bytes: RandomBytes = (size) => randomBytes(size);

  /** 256 bits, base64url: session tokens, CSRF tokens, pending-request ids. */
  token(bytes = 32): string {
    return randomBytes(bytes).toString('base64url');
  }
}
