// oidc-provider's AsyncLocalStorage (lib/helpers/als.js, no type of its own): the context its
// Koa application runs every request in (OidcMount turns it off between requests).
declare module 'oidc-provider/lib/helpers/als.js' {
  import type { AsyncLocalStorage } from 'node:async_hooks';
  const als: AsyncLocalStorage<unknown>;
  export default als;
}
