// Runs once when a server starts: validates configuration (a bad variable stops the
// start with its name) and rebuilds the Edge's Redis mirror of tenants and domains.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { serverEnv } = await import("@/lib/env");
  serverEnv();
  const { rebuildMirror } = await import("@/lib/tenancy/mirror");
  const result = await rebuildMirror().catch((err: unknown) => ({ ok: false, error: String(err) }));
  if (!result.ok) console.warn(`[tenancy] Redis mirror not rebuilt at start-up: ${result.error}`);
}
