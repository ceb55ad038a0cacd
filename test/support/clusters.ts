// The test stack's tenant clusters (scripts/lib/stack.ts): `default` is DATABASE_URL, and
// there is always a second one, named in DATABASE_CLUSTERS (an embedded PostgreSQL or a
// scratch database on another server).
import pg from "pg";

export function clusterUrls(): Map<string, string> {
  const urls = new Map<string, string>();
  urls.set("default", process.env.DATABASE_URL ?? "");
  for (const entry of (process.env.DATABASE_CLUSTERS ?? "").split(",").filter(Boolean)) {
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
  const url = clusterUrls().get(name);
  if (!url) throw new Error(`no cluster ${name} in the test environment`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}
