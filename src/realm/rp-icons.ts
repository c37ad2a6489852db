// Relying-party icons (OpenID User Interface Extension 1.0 §6).
//
// §6: an RP sending openid.ui.icon=true publishes its icon in its XRDS ("<Type>
// http://specs.openid.net/extensions/ui/icon</Type><URI>...</URI>"), found by "discovery on the
// Relying Party": the §9.2.1 discovery ReturnToVerifier already runs (same fetch, same cache, same
// per-client budget). The icon itself is fetched through the same SSRF-guarded SafeFetch, with a
// smaller size cap and a shorter deadline (`realm.icons`), checked (raster-image.ts: PNG, JPEG,
// GIF or WebP whose bytes agree with the declared type, at most 1024×1024) and served from our own
// page as a data: URL: §6 "the OpenID Provider SHOULD proxy the icons after performing
// appropriate sanitization"; linking the RP's URL would tell the RP who looks at our consent
// page, and break on our CSP (img-src 'self') and on mixed content.
//
// Any failure (no icon listed, fetch refused, wrong type, too big) means no icon, never an error;
// it is remembered for at most a minute, like a failed discovery. §6 also lets an OP fall back to
// /favicon.ico at the realm when discovery fails: not done, an .ico is none of the types we show.

import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { RecentCache } from '../common/recent-cache.js';
import { realmConfig } from '../config/namespaces.js';
import type { Realm } from '../protocol/realm.js';
import { checkRasterImage, dataUrl, RASTER_TYPES } from './raster-image.js';
import { ReturnToVerifier } from './return-to-verifier.js';
import { SafeFetch } from './safe-fetch.js';

/** Icons remembered at most (each up to realm.icons.max_bytes, as base64). */
const ICON_CACHE_SIZE = 100;
/** A realm without a usable icon is asked again after this long at most. */
const FAILURE_TTL_MS = 60_000;
/** Icon URIs of one XRDS tried at most, in priority order. */
const MAX_ATTEMPTS = 2;

@Injectable()
export class RpIcons {
  /** By realm: the data: URL, or null for "no usable icon". */
  private readonly icons: RecentCache<string | null>;
  private readonly failures = new RecentCache<null>(FAILURE_TTL_MS, ICON_CACHE_SIZE);
  private readonly inFlight = new Map<string, Promise<string | null>>();
  private running = 0;

  constructor(
    @Inject(realmConfig.KEY) private readonly realm: ConfigType<typeof realmConfig>,
    private readonly verifier: ReturnToVerifier,
    private readonly fetch: SafeFetch,
  ) {
    this.icons = new RecentCache(realm.discovery.cache_ttl * 1000, ICON_CACHE_SIZE);
  }

  /** Whether icons are fetched at all (also what the provider's XRDS advertises, §7). */
  get enabled(): boolean {
    return this.realm.icons.enabled && this.realm.return_to_verification !== 'off';
  }

  /**
   * The RP's icon as a data: URL for our page, or undefined. Never rejects. `clientIp`: the
   * address of the request (its discovery budget, when the realm is not discovered yet).
   */
  async forRealm(realm: Realm, clientIp?: string): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    const key = realm.normalized;
    const known = this.icons.lookup(key) ?? this.failures.lookup(key);
    if (known !== undefined) return known.value ?? undefined;
    let running = this.inFlight.get(key);
    if (running === undefined) {
      // Each icon is one more fetch a stranger's request causes: at most as many at once as
      // discoveries; beyond, no icon this time (not remembered).
      if (this.running >= this.realm.discovery.max_concurrent) return undefined;
      this.running++;
      running = this.find(realm, clientIp).finally(() => {
        this.running--;
        this.inFlight.delete(key);
      });
      this.inFlight.set(key, running);
    }
    return (await running) ?? undefined;
  }

  private async find(realm: Realm, clientIp: string | undefined): Promise<string | null> {
    const key = realm.normalized;
    let icon: string | null = null;
    try {
      const urls = await this.verifier.iconUrls(realm, clientIp);
      for (const url of urls.slice(0, MAX_ATTEMPTS)) {
        icon = await this.fetchIcon(url);
        if (icon !== null) break;
      }
    } catch {
      icon = null;
    }
    if (icon === null) this.failures.set(key, null);
    else this.icons.set(key, icon);
    return icon;
  }

  private async fetchIcon(url: string): Promise<string | null> {
    try {
      const response = await this.fetch.get(url, {
        headers: { accept: RASTER_TYPES.join(', ') },
        maxBytes: this.realm.icons.max_bytes,
        timeoutMs: this.realm.icons.timeout * 1000,
      });
      const header = response.headers['content-type'];
      const image = checkRasterImage(response.body, Array.isArray(header) ? header[0] : header);
      return typeof image === 'string' ? null : dataUrl(image, response.body);
    } catch {
      // FetchRefused (too large, timeout, private address...): no icon.
      return null;
    }
  }

  /** Forgets every remembered icon (tests). */
  clearCache(): void {
    this.icons.clear();
    this.failures.clear();
  }
}
