import { inject } from 'vitest';
import type { ConfigInput } from '../../src/config/config.schema.js';
import { UsersService } from '../../src/users/users.service.js';
import { Browser } from '../helpers/live.js';
import { freePort } from '../helpers/ports.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';
import { associate, assertionOf, checkAuthentication, checkidUrl, LOCAL_DISCOVERY, PASSWORD, signIn, startBalancer, trustAlways, until, verifiableRelyingParty, type Balancer } from './helpers.js';

// Two provider instances on one PostgreSQL behind a load balancer (DESIGN.md: "Postgres is the
// source of truth so that several instances can serve one domain"; in-memory caches are only
// caches): each with its own process-local caches, both serving https://localhost:<balancer>.
// What one instance does, the other honours; what one revokes, the other stops honouring within
// the documented cache lifetime (about a second: README "What each process remembers").
// The database: the run's PostgreSQL (TEST_DATABASE_URL), else a private cluster of this suite,
// so that the suite runs in both passes.

/** How long a change may take to count on the other instance: ~1 s cache TTL, plus a loaded machine. */
const PROPAGATION_MS = 8_000;

describe('two provider instances on one PostgreSQL', () => {
  let cluster: PrivatePostgres | undefined;
  let balancer: Balancer;
  type Instance = TestApp & { port: number; served: number };
  let a: Instance;
  let b: Instance;
  let rp: Awaited<ReturnType<typeof verifiableRelyingParty>>;
  let base: string;

  const endpointOf = (instance: { port: number }): string => `https://localhost:${instance.port}/openid`;
  /** New connections through the balancer go to this instance. */
  const via = (instance: { port: number }): void => {
    balancer.target = instance.port;
  };

  beforeAll(async () => {
    let url = inject('databaseUrl');
    if (url === null) {
      cluster = await startPrivatePostgres();
      url = cluster.url;
    }
    balancer = await startBalancer(0);
    base = `https://localhost:${balancer.port}`;
    const input: Partial<ConfigInput> = { domains: [{ name: 'localhost', base_url: base }], server: { tls: inject('tls') }, database: { url, pool_size: 4 }, realm: LOCAL_DISCOVERY };
    const start = async (): Promise<Instance> => {
      const t = await bootApp(testConfig(input));
      const port = await freePort();
      await t.app.listen(port, '127.0.0.1');
      const instance = { ...t, port, served: 0 };
      // Requests each instance served: proof that the balancer sent a request where the test says.
      t.app.getHttpServer().on('request', () => (instance.served += 1));
      return instance;
    };
    // One after the other: the second finds the migrations applied by the first.
    a = await start();
    b = await start();
    rp = await verifiableRelyingParty();
  }, 120_000);
  afterAll(async () => {
    await rp?.close();
    await balancer?.close();
    await a?.close();
    await b?.close();
    cluster?.dispose();
  });

  async function newUser(): Promise<{ name: string; identity: string }> {
    const name = uniqueName('romeo');
    await a.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    return { name, identity: `${base}/openid/${name}` };
  }

  /** A browser on one connection per request, so that the balancer's target counts at once. */
  const browser = (): Browser => new Browser({ connection: 'close' });

  const immediate = async (who: Browser, identity: string, extra: Record<string, string> = {}): Promise<URLSearchParams> => {
    const target = balancer.target === a.port ? a : b;
    const before = target.served;
    const res = await who.request('GET', checkidUrl(`${base}/openid`, identity, rp, 'checkid_immediate', extra));
    const assertion = assertionOf(res, rp.returnTo);
    if (!assertion) throw new Error(`checkid_immediate answered ${res.status}: ${res.body.slice(0, 300)}`);
    expect(target.served).toBe(before + 1);
    return assertion;
  };
  const isOwnerView = async (who: Browser, identity: string): Promise<boolean> => (await who.request('GET', identity)).body.includes('Trusted sites');

  // OpenID 2.0 §8: an association is shared state; the instance that signs need not be the one
  // that associated, and the RP's key must verify what it signs.
  it('signs with an association made on the other instance (same handle, no invalidate_handle)', async () => {
    const { name, identity } = await newUser();
    const who = browser();
    via(a);
    await signIn(who, base, name);
    await trustAlways(who, base, `${base}/openid`, identity, rp);
    const associated = await associate(endpointOf(a));
    expect(associated.status).toBe(200);
    const handle = associated.fields['assoc_handle']!;
    const macKey = Buffer.from(associated.fields['mac_key']!, 'base64');
    via(b);
    const assertion = await immediate(who, identity, { 'openid.assoc_handle': handle });
    expect(assertion.get('openid.mode')).toBe('id_res');
    expect(assertion.get('openid.assoc_handle')).toBe(handle);
    expect(assertion.get('openid.invalidate_handle')).toBeNull();
    // The RP's own check (§11.4.2 smart mode): the HMAC over openid.signed with the key A gave it.
    const { createHmac } = await import('node:crypto');
    const { encodeKeyValueForm } = await import('../../src/protocol/kv-form.js');
    const signed = assertion.get('openid.signed')!.split(',');
    const message = encodeKeyValueForm(signed.map((k) => [k, assertion.get(`openid.${k}`)!] as [string, string]));
    expect(assertion.get('openid.sig')).toBe(createHmac('sha256', macKey).update(message).digest('base64'));
  });

  // OpenID 2.0 §11.4.2.1: "the OP MUST NOT verify the same assertion more than once"; the nonce
  // store is shared, so a replay to the other instance is refused too.
  it('verifies a stateless assertion once: check_authentication on one instance, then refused on the other', async () => {
    const { name, identity } = await newUser();
    const who = browser();
    via(a);
    await signIn(who, base, name);
    await trustAlways(who, base, `${base}/openid`, identity, rp);
    // Without an assoc_handle: signed with a private association (stateless mode, §10.1).
    const assertion = await immediate(who, identity);
    expect(assertion.get('openid.mode')).toBe('id_res');
    const first = await checkAuthentication(endpointOf(b), assertion);
    expect(first.fields).toMatchObject({ ns: 'http://specs.openid.net/auth/2.0', is_valid: 'true' });
    const replay = await checkAuthentication(endpointOf(a), assertion);
    expect(replay.status).toBe(200);
    expect(replay.fields['is_valid']).toBe('false');
    // And the other way round with a second assertion: made on B, verified on A, replayed to B.
    via(b);
    const second = await immediate(who, identity);
    expect((await checkAuthentication(endpointOf(a), second)).fields['is_valid']).toBe('true');
    expect((await checkAuthentication(endpointOf(b), second)).fields['is_valid']).toBe('false');
  });

  it('honours on one instance a session made on the other, and a trust grant made after the other looked', async () => {
    const { name, identity } = await newUser();
    const who = browser();
    via(a);
    await signIn(who, base, name);
    via(b);
    expect(await isOwnerView(who, identity)).toBe(true);
    // B looks first (no grant yet: setup_needed, and whatever B caches of that)...
    expect((await immediate(who, identity)).get('openid.mode')).toBe('setup_needed');
    // ...then "Always allow" is given on A: B answers id_res within the cache lifetime.
    via(a);
    await trustAlways(who, base, `${base}/openid`, identity, rp);
    via(b);
    await until('grant made on A honoured by B', async () => (await immediate(who, identity)).get('openid.mode') === 'id_res', PROPAGATION_MS);
  });

  it('stops honouring on one instance a session revoked on the other', async () => {
    const { name, identity } = await newUser();
    const laptop = browser();
    const phone = browser();
    via(a);
    await signIn(laptop, base, name);
    await signIn(phone, base, name);
    // B has seen (and may cache) the phone's session.
    via(b);
    expect(await isOwnerView(phone, identity)).toBe(true);
    // The laptop ends the phone's session on A.
    via(a);
    const page = await laptop.request('GET', identity);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const other = /action="(\/account\/sessions\/[0-9a-f-]{36}\/revoke)"/.exec(page.body)![1]!;
    expect((await laptop.request('POST', `${base}${other}`, { csrf })).status).toBe(303);
    via(b);
    await until('session revoked on A refused by B', async () => !(await isOwnerView(phone, identity)), PROPAGATION_MS);
    // For good: it does not come back once the caches have expired.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await isOwnerView(phone, identity)).toBe(false);
    expect(await isOwnerView(laptop, identity)).toBe(true);
  });

  it('stops auto-approving on one instance a trust grant revoked on the other', async () => {
    const { name, identity } = await newUser();
    const who = browser();
    via(a);
    await signIn(who, base, name);
    await trustAlways(who, base, `${base}/openid`, identity, rp);
    via(b);
    expect((await immediate(who, identity)).get('openid.mode')).toBe('id_res');
    via(a);
    const page = await who.request('GET', identity);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const form = /<form method="post" action="(\/account\/trust\/[0-9a-f-]{36}\/revoke)"/.exec(page.body)![1]!;
    expect((await who.request('POST', `${base}${form}`, { csrf })).status).toBe(303);
    via(b);
    await until('grant revoked on A no longer used by B', async () => (await immediate(who, identity)).get('openid.mode') === 'setup_needed', PROPAGATION_MS);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await immediate(who, identity)).get('openid.mode')).toBe('setup_needed');
  });
});
