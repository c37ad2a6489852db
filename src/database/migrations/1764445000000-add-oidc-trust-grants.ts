import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Always allow" for OpenID Connect clients beside OpenID 2.0 realms (issue 12): a trust grant
 * says which kind it is; an OpenID Connect one names its client_id and the oidc-provider Grant it
 * stands for (revoking the trust grant ends that Grant and its tokens). A sign-in approval from
 * the chat app may continue an OpenID Connect interaction (its uid) as it continues a parked
 * OpenID 2.0 request.
 */
export class AddOidcTrustGrants1764445000000 implements MigrationInterface {
  name = 'AddOidcTrustGrants1764445000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "trust_grants" ADD "kind" varchar(16) NOT NULL DEFAULT 'openid2'`);
    await q.query(`ALTER TABLE "trust_grants" ADD "client_id" varchar(255)`);
    await q.query(`ALTER TABLE "trust_grants" ADD "oidc_grant_id" varchar(64)`);
    await q.query(`ALTER TABLE "login_approvals" ADD "interaction" varchar(64)`);
    await q.query(`ALTER TABLE "trust_grants" ADD CONSTRAINT "trust_grants_kind_check" CHECK ("kind" IN ('openid2', 'oidc') AND ("kind" = 'openid2') = ("client_id" IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "trust_grants" DROP CONSTRAINT "trust_grants_kind_check"`);
    await q.query(`ALTER TABLE "login_approvals" DROP COLUMN "interaction"`);
    await q.query(`ALTER TABLE "trust_grants" DROP COLUMN "oidc_grant_id"`);
    await q.query(`ALTER TABLE "trust_grants" DROP COLUMN "client_id"`);
    await q.query(`ALTER TABLE "trust_grants" DROP COLUMN "kind"`);
  }
}
