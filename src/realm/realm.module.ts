import { Module } from '@nestjs/common';
import { Dialer } from './dialer.js';
import { HostResolver } from './host-resolver.js';
import { RealmPolicy } from './realm-policy.service.js';
import { ReturnToVerifier } from './return-to-verifier.js';
import { RpIcons } from './rp-icons.js';
import { SafeFetch } from './safe-fetch.js';
import { YadisDiscovery } from './yadis.js';

/**
 * Realm policy, the SSRF-guarded fetch every outbound request goes through, Yadis discovery and
 * return_to verification (OpenID 2.0 §9.2, §9.2.1, §13), and the RP icons found by that discovery
 * (OpenID UI Extension 1.0 §6). Needs the `realm` configuration
 * namespace (AppConfigModule) and Clock (CommonModule), both global.
 */
@Module({
  providers: [HostResolver, Dialer, SafeFetch, YadisDiscovery, ReturnToVerifier, RpIcons, RealmPolicy],
  exports: [SafeFetch, YadisDiscovery, ReturnToVerifier, RpIcons, RealmPolicy],
})
export class RealmModule {}
