// The platform client follows the pool: a script or test that ends the pool with
// closePool() and goes on (e2e specs share one worker process, and one spec's afterAll
// ends the pool before the next spec runs) gets a client on the new pool, not one bound
// to the ended pool ("Cannot use a pool after calling end on the pool").
import { afterAll, expect, it } from "vitest";
import { platformDb } from "@/lib/db/platform-client";
import { closePool } from "@/lib/db/pool";

afterAll(async () => {
  await closePool();
});

it("a platform client made before closePool() is replaced by one on the new pool", async () => {
  const before = platformDb();
  expect(platformDb()).toBe(before); // one client while the pool lives
  await before.$queryRaw`SELECT 1`;
  await closePool();
  const after = platformDb();
  expect(after).not.toBe(before);
  const rows = await after.$queryRaw<{ n: number }[]>`SELECT 1::int AS n`;
  expect(rows[0]!.n).toBe(1);
});
