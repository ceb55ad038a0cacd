// Runs once when a server starts: validates configuration (a bad variable stops the
// start with its name) and builds the Edge's Redis mirror of tenants and domains if
// Redis has none (a fresh or flushed Redis). An existing mirror is left alone, so
// instances starting during a deploy do not race domain changes.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { serverEnv } = await import("@/lib/env");
  serverEnv();
  const { rebuildMirrorIfMissing } = await import("@/lib/tenancy/mirror");
  const result = await rebuildMirrorIfMissing().catch((err: unknown) => ({ ok: false, error: String(err) }));
  if (!result.ok) console.warn(`[tenancy] Redis mirror not rebuilt at start-up: ${result.error}`);
}
