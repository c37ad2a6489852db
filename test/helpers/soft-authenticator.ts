import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

// A software WebAuthn authenticator for the suites that run without a browser: it answers
// registration and authentication options as a browser plus a passkey would (WebAuthn Level 3
// §6.1 authenticator data, §6.5.4 attestation format "none", §5.8.1 client data), with an ES256
// key (COSE alg -7). Every field can be spoiled on purpose (origin, RP ID, counter, flags) to
// test the refusals. The real browser with its virtual authenticator is test/browser/passkeys.

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor> | { [key: string]: Cbor };

/** RFC 8949 §3 encoding of what WebAuthn needs: unsigned and negative integers, byte and text strings, arrays, maps. */
export function cbor(value: Cbor): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 256) return Buffer.from([(major << 5) | 24, n]);
    if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

interface Credential {
  id: Buffer;
  key: KeyObject;
  userHandle: string;
  rpId: string;
  signCount: number;
}

/** What a test may spoil in a response. */
export interface Spoil {
  origin?: string;
  rpId?: string;
  type?: string;
  challenge?: string;
  /** The signature counter to report (default: one more than the last). */
  signCount?: number;
  userPresent?: boolean;
  userVerified?: boolean;
  /** A user handle other than the credential's (assertions). */
  userHandle?: string;
  crossOrigin?: boolean;
  /** Flip a byte of the signature. */
  badSignature?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: Credential[] = [];

  /** Answers PublicKeyCredentialCreationOptionsJSON (navigator.credentials.create through @simplewebauthn/browser's JSON). */
  create(options: { challenge: string; rp: { id?: string }; user: { id: string } }, origin: string, spoil: Spoil = {}): string {
    const rpId = spoil.rpId ?? options.rp.id!;
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
    const id = randomBytes(32);
    const cose = cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
    const counter = spoil.signCount ?? 0;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([sha256(rpId), this.flags(spoil, true), this.counter(counter), Buffer.alloc(16), idLength, id, cose]);
    const clientData = this.clientData('webauthn.create', options.challenge, origin, spoil);
    const attestationObject = cbor({ fmt: 'none', attStmt: {}, authData });
    this.credentials.push({ id, key: privateKey, userHandle: options.user.id, rpId: options.rp.id!, signCount: counter });
    return JSON.stringify({
      id: b64(id),
      rawId: b64(id),
      type: 'public-key',
      response: { clientDataJSON: b64(clientData), attestationObject: b64(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    });
  }

  /** Answers PublicKeyCredentialRequestOptionsJSON with the credential `which` (default: the last made). */
  get(options: { challenge: string; rpId?: string }, origin: string, spoil: Spoil = {}, which = this.credentials.length - 1): string {
    const credential = this.credentials[which]!;
    const counter = spoil.signCount ?? credential.signCount + 1;
    credential.signCount = Math.max(credential.signCount, counter);
    const authData = Buffer.concat([sha256(spoil.rpId ?? credential.rpId), this.flags(spoil, false), this.counter(counter)]);
    const clientData = this.clientData('webauthn.get', options.challenge, origin, spoil);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), credential.key);
    if (spoil.badSignature) signature[signature.length - 1] ^= 1;
    return JSON.stringify({
      id: b64(credential.id),
      rawId: b64(credential.id),
      type: 'public-key',
      response: { clientDataJSON: b64(clientData), authenticatorData: b64(authData), signature: b64(signature), userHandle: spoil.userHandle ?? credential.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    });
  }

  private clientData(type: string, challenge: string, origin: string, spoil: Spoil): Buffer {
    return Buffer.from(JSON.stringify({ type: spoil.type ?? type, challenge: spoil.challenge ?? challenge, origin: spoil.origin ?? origin, crossOrigin: spoil.crossOrigin ?? false }), 'utf8');
  }

  /** §6.1 flags: UP (bit 0), UV (bit 2), AT (bit 6: attested credential data, at registration). */
  private flags(spoil: Spoil, attested: boolean): Buffer {
    return Buffer.from([(spoil.userPresent === false ? 0 : 0x01) | (spoil.userVerified === false ? 0 : 0x04) | (attested ? 0x40 : 0)]);
  }

  private counter(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  }
}
