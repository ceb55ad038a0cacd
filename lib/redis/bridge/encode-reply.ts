export type Json = string | number | null | Json[];

/** ioredis Buffer replies -> JSON, base64-encoding every string when asked to. */
export function encodeReply(reply: unknown, base64: boolean): Json {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item: unknown) => encodeReply(item, base64));
  // Errors nested in arrays (e.g. from redis.pcall in Lua) become their message.
  const bytes = Buffer.isBuffer(reply) ? reply : Buffer.from(reply instanceof Error ? reply.message : String(reply), "utf8");
  return base64 ? bytes.toString("base64") : bytes.toString("utf8");
}
