// Proof that a tenant controls a custom domain: it publishes a TXT record
// `_platform-verify.<hostname>` holding the token we gave it, and verification asks DNS
// for it. The resolver is the machine's unless DNS_RESOLVERS names servers (tests run
// a DNS server of their own; production may pin public resolvers).
import { randomBytes } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";

export const verificationRecordPrefix = "_platform-verify";

export interface VerificationRecord {
  type: "TXT";
  name: string;
  value: string;
}

export function newVerificationToken(): string {
  return `platform-verify=${randomBytes(24).toString("base64url")}`;
}

export function verificationRecord(hostname: string, token: string): VerificationRecord {
  return { type: "TXT", name: `${verificationRecordPrefix}.${hostname}`, value: token };
}

function resolver(): Resolver {
  // A short timeout and one retry: the admin is waiting on the answer.
  const r = new Resolver({ timeout: 2_000, tries: 2 });
  const servers = serverEnv().DNS_RESOLVERS;
  if (servers?.length) r.setServers(servers);
  return r;
}

/** DNS answers that mean "no such record" rather than "could not ask". */
const absent = new Set(["ENOTFOUND", "ENODATA", "NXDOMAIN", "ENONAME"]);

/**
 * True when the TXT record of `hostname` holds `token` (a record split into several
 * strings is joined first, as DNS allows). 503 when DNS could not be asked.
 */
export async function txtRecordPublished(hostname: string, token: string): Promise<boolean> {
  const { name } = verificationRecord(hostname, token);
  let records: string[][];
  try {
    records = await resolver().resolveTxt(name);
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    if (absent.has(code)) return false;
    throw new AppError("unavailable", `DNS could not be asked for the TXT record of ${name} (${code || "error"}); try again shortly.`, [], {
      reason: "dns_unavailable",
    });
  }
  return records.some((parts) => parts.join("") === token);
}
