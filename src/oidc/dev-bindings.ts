import { createHash } from 'node:crypto';
import type { Provider as NestProvider } from '@nestjs/common';
import { exportJWK, generateKeyPair } from 'jose';
import type { Adapter, JWK } from 'oidc-provider';
import { OidcSigningKeys, OidcStorage, type OidcKeySet } from './contracts.js';

// TEMPORARY bindings of the two seams the oidc-store branch implements (src/oidc/storage: the
// PostgreSQL adapter; src/oidc/keys: sealed signing keys and `oidc keys`), so that this branch
// runs on its own. Replaced by those modules at merge: nothing else imports this file except
// oidc.module.ts, through OIDC_BINDINGS. Not for production: state lives in one process and is
// lost on restart, and the signing keys change at every start.

type AdapterFactory = (model: string) => Adapter;

/** oidc-provider's own in-memory adapter (lib/adapters/memory_adapter.js), one store per instance. */
class MemoryOidcStorage extends OidcStorage {
  constructor(private readonly factory: AdapterFactory) {
    super();
  }

  adapterFor(model: string): Adapter {
    return this.factory(model);
  }
}

/** RS256 and ES256 keys generated in memory (node:crypto through jose) at the first use. */
class MemoryOidcSigningKeys extends OidcSigningKeys {
  private set: Promise<OidcKeySet> | undefined;

  current(): Promise<OidcKeySet> {
    this.set ??= generate();
    return this.set;
  }
}

async function generate(): Promise<OidcKeySet> {
  const keys: JWK[] = [];
  for (const [alg, options] of [
    ['RS256', { modulusLength: 2048, extractable: true }],
    ['ES256', { extractable: true }],
  ] as const) {
    const { privateKey } = await generateKeyPair(alg, options);
    const jwk = await exportJWK(privateKey);
    // RFC 7638 would do as well; a hash of the public part is all a kid needs to be.
    const kid = createHash('sha256').update(JSON.stringify([jwk.kty, jwk.crv, jwk.x, jwk.y, jwk.n, jwk.e])).digest('base64url').slice(0, 16);
    keys.push({ ...jwk, kid, alg, use: 'sig' } as JWK);
  }
  return { fingerprint: keys.map((k) => k.kid).join(','), jwks: { keys } };
}

// The memory adapter has no type declarations; the path is loaded at run time only.
const MEMORY_ADAPTER = 'oidc-provider/lib/adapters/memory_adapter.js';

export const OIDC_BINDINGS: NestProvider[] = [
  {
    provide: OidcStorage,
    useFactory: async () => {
      const { createMemoryAdapter } = (await import(MEMORY_ADAPTER)) as { createMemoryAdapter: (clockTolerance?: number) => AdapterFactory };
      return new MemoryOidcStorage(createMemoryAdapter(0));
    },
  },
  { provide: OidcSigningKeys, useClass: MemoryOidcSigningKeys },
];
