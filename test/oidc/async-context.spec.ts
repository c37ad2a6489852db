import oidcContext from 'oidc-provider/lib/helpers/als.js';
import { startProvider, type LiveProvider } from '../helpers/live.js';

// oidc-provider's AsyncLocalStorage is on only while one of its requests runs (src/oidc/oidc-mount.ts):
// left on, Node 20's promise hook would slow every promise of the process, OpenID 2.0 included.

describe('oidc-provider request context', () => {
  let op: LiveProvider;

  beforeAll(async () => {
    op = await startProvider({ oidc: { clients: [{ client_id: 'spa', client_name: 'Single-page app', redirect_uris: ['http://127.0.0.1:9/callback'] }] } });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await op?.close();
  });

  it('runs each request in the context, then turns the context off once none is in flight', async () => {
    const run = vi.spyOn(oidcContext, 'run');
    const disable = vi.spyOn(oidcContext, 'disable');
    // Several at once: the context stays on until the last one is answered.
    const answers = await Promise.all([1, 2, 3].map(() => fetch(`${op.base}/.well-known/openid-configuration`)));
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(run).toHaveBeenCalledTimes(3);
    expect(disable).toHaveBeenCalled();
    // Off: nothing is stored for code outside a request, and the storage no longer tracks promises.
    expect(oidcContext.getStore()).toBeUndefined();
    expect((oidcContext as unknown as { enabled?: boolean }).enabled).not.toBe(true);
    // And the next request still gets its context (oidc-provider reads it while answering).
    const token = await fetch(`${op.base}/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=nope&client_id=spa' });
    expect(token.status).toBe(400);
    expect(((await token.json()) as { error: string }).error).toMatch(/^invalid_(grant|client|request)$/);
    expect(run).toHaveBeenCalledTimes(4);
  });
});
