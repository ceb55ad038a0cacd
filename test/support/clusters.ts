// The test stack's tenant clusters (scripts/lib/stack.ts): `default` is DATABASE_URL, and
// there is always a second one, named in DATABASE_CLUSTERS (an embedded PostgreSQL or a
// scratch database on another server).
import pg from "pg";

/** The clusters' URLs as the app reaches them (through the stack's PgBouncer, if any), or directly. */
export function clusterUrls(how: "app" | "direct" = "app"): Map<string, string> {
  const direct = how === "direct";
  const urls = new Map<string, string>();
  urls.set("default", (direct ? process.env.DATABASE_DIRECT_URL : undefined) ?? process.env.DATABASE_URL ?? "");
  for (const entry of ((direct ? process.env.DATABASE_CLUSTERS_DIRECT : undefined) ?? process.env.DATABASE_CLUSTERS ?? "").split(",").filter(Boolean)) {
    const at = entry.indexOf("=");
    urls.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return urls;
}

/** The name of the test stack's second cluster. */
export function secondCluster(): string {
  const name = [...clusterUrls().keys()].find((n) => n !== "default");
  if (!name) throw new Error("DATABASE_CLUSTERS names no second cluster: run the tests with `npm test -- unit`");
  return name;
}

/** A raw pg client on one cluster, outside the platform's pools. Caller ends it. */
export async function rawClusterClient(name: string): Promise<pg.Client> {
  const url = clusterUrls("direct").get(name);
  if (!url) throw new Error(`no cluster ${name} in the test environment`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}
