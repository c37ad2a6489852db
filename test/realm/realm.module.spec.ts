import { Test } from '@nestjs/testing';
import { CommonModule } from '../../src/common/common.module.js';
import { parseConfig } from '../../src/config/config.loader.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import { RealmPolicy } from '../../src/realm/realm-policy.service.js';
import { RealmModule } from '../../src/realm/realm.module.js';
import { ReturnToVerifier } from '../../src/realm/return-to-verifier.js';
import { SafeFetch } from '../../src/realm/safe-fetch.js';

describe(RealmModule.name, () => {
  it('wires its exported services from the global configuration and clock', async () => {
    const config = parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }], realm: { allow_http: false } }, null);
    const moduleRef = await Test.createTestingModule({ imports: [AppConfigModule.forRoot({ config, file: null }), CommonModule, RealmModule] }).compile();
    try {
      expect(moduleRef.get(SafeFetch)).toBeInstanceOf(SafeFetch);
      expect(moduleRef.get(ReturnToVerifier)).toBeInstanceOf(ReturnToVerifier);
      const policy = moduleRef.get(RealmPolicy);
      expect(() => policy.check('http://rp.example.com/')).toThrow('This provider only serves sites using https://');
    } finally {
      await moduleRef.close();
    }
  });
});
