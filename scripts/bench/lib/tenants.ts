// Bench tenants: created through the real create path, members seeded in bulk with
// SQL inside the tenant's audited transaction (withAudit; writes outside it are
// refused by the database), all sharing one precomputed argon2 hash, limits raised so
// that nothing a bench sends is refused, and an access token from the real API.
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { systemContext } from "@/lib/audit/context";
import { withAudit } from "@/lib/audit/with-audit";
import { hashPassword } from "@/lib/auth/passwords";
import { quoteIdent } from "@/lib/db/identifier";
import { createIntegration } from "@/lib/integrations/integrations";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { updateTenantSettings } from "@/lib/tenancy/tenant-settings";

export const benchPassword = `Bench-${randomBytes(9).toString("base64url")}-pass`;
let passwordHash: Promise<string> | undefined;

export interface BenchTenant {
  slug: string;
  /** Host header: <slug>.<APP_ROOT_DOMAIN> */
  host: string;
  ownerEmail: string;
  integrationId: string;
  /** The integration's Standard Webhooks secret. */
  secret: string;
}

const actor = systemContext("bench");

/** A tenant with an owner plus `members` extra members, high rate limits and one Standard Webhooks integration. */
export async function createBenchTenant(slug: string, options: { members: number; rootDomain: string }): Promise<BenchTenant> {
  await createTenant({ slug, name: `Bench ${slug}` });
  const hash = await (passwordHash ??= hashPassword(benchPassword));
  const ownerEmail = "owner@bench.test";
  const users = `${quoteIdent(schemaNameFor(slug))}.users`;
  await withAudit(
    slug,
    actor,
    async (tx) => {
      await tx.$executeRawUnsafe(
        `INSERT INTO ${users} (id, email, name, role, status, password_hash, password_changed_at, created_at, updated_at)
         VALUES (gen_random_uuid(), $1, 'Bench owner', 'owner', 'active', $2, now(), now(), now())`,
        ownerEmail,
        hash,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO ${users} (id, email, name, role, status, password_hash, password_changed_at, created_at, updated_at)
         SELECT gen_random_uuid(), 'member' || g || '@bench.test', 'Bench member ' || g, 'member', 'active', $1, now(), now(), now()
         FROM generate_series(1, $2::int) AS g`,
        hash,
        options.members,
      );
    },
    { timeoutMs: 120_000 },
  );
  await updateTenantSettings(
    slug,
    { rateLimits: { apiPerMinute: 1_000_000, principalPerMinute: 1_000_000, signInPerIpPer15Minutes: 1_000, signInPerEmailPer15Minutes: 1_000 } },
    actor,
  );
  const { integration, secret } = await createIntegration(
    slug,
    { name: "bench", kind: "webhook", scheme: "standard-webhooks", settings: { rateLimitPerMinute: 100_000 } },
    actor,
  );
  return { slug, host: `${slug}.${options.rootDomain}`, ownerEmail, integrationId: integration.id, secret: secret! };
}

/**
 * POST /api/v1/auth/token on the tenant's host: the owner's access token (15 minutes).
 * A 503 or 429 (the sign-in limiter could not reach Redis in time, or refused) is
 * retried after Retry-After, a few times.
 */
export async function accessToken(appUrl: string, t: BenchTenant): Promise<string> {
  const body = JSON.stringify({ email: t.ownerEmail, password: benchPassword });
  const u = new URL(appUrl);
  for (let attempt = 1; ; attempt++) {
    // fetch() cannot set Host: node:http can.
    const res = await new Promise<{ status: number; text: string; retryAfter: number }>((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: "/api/v1/auth/token",
          method: "POST",
          headers: { host: t.host, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (r) => {
          let data = "";
          r.setEncoding("utf8");
          r.on("data", (c: string) => (data += c));
          r.on("end", () => resolve({ status: r.statusCode ?? 0, text: data, retryAfter: Number(r.headers["retry-after"]) || 2 }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    if (res.status === 200) return (JSON.parse(res.text) as { access_token: string }).access_token;
    if ((res.status === 503 || res.status === 429) && attempt < 5) {
      await new Promise((r) => setTimeout(r, Math.min(10, res.retryAfter) * 1000));
      continue;
    }
    throw new Error(`token for ${t.slug}: ${res.status} ${res.text.slice(0, 300)}`);
  }
}
