// Lua scripts through the bridge: the Upstash-only shebang flag is rewritten away, and
// EVALSHA hashes of the original text are translated to those of the rewritten one.
import { createHash } from "node:crypto";

const MAX_SCRIPT_SHAS = 1000;

const sha1 = (text: string): string => createHash("sha1").update(text, "utf8").digest("hex");

/**
 * Open-source Redis rejects the Upstash-only shebang flag `allow-key-locking`
 * (@upstash/ratelimit >= 2.1 starts every script with `#!lua flags=allow-key-locking`).
 * Drop just that flag; the line stays so Lua error line numbers still match.
 */
export function rewriteScript(script: string): string {
  const eol = script.indexOf("\n");
  const line = eol === -1 ? script : script.slice(0, eol);
  if (!line.startsWith("#!") || !line.includes("allow-key-locking")) return script;
  const words = line
    .slice(2)
    .trim()
    .split(/\s+/)
    .flatMap((word) => {
      if (!word.startsWith("flags=")) return [word];
      const flags = word
        .slice("flags=".length)
        .split(",")
        .filter((f) => f !== "" && f !== "allow-key-locking");
      return flags.length > 0 ? [`flags=${flags.join(",")}`] : [];
    });
  return `#!${words.join(" ")}${eol === -1 ? "" : script.slice(eol)}`;
}

/**
 * Clients compute EVALSHA hashes from the script text they hold (the ratelimit
 * ships them precomputed), but Redis knows the rewritten script under another
 * sha. Remember original -> rewritten for every script we rewrote.
 */
export class ScriptShas {
  private readonly map = new Map<string, string>();

  /** Rewrites the script, records the sha pair and returns the original sha. */
  load(script: string): { script: string; originalSha: string } {
    const rewritten = rewriteScript(script);
    const originalSha = sha1(script);
    if (rewritten !== script) {
      this.map.delete(originalSha);
      this.map.set(originalSha, sha1(rewritten));
      // Bounded: drop the oldest entry. Worst case is a NOSCRIPT, which makes the
      // client fall back to EVAL and re-register the pair.
      if (this.map.size > MAX_SCRIPT_SHAS) this.map.delete(this.map.keys().next().value!);
    }
    return { script: rewritten, originalSha };
  }

  translate(sha: string): string {
    return this.map.get(sha.toLowerCase()) ?? sha;
  }
}
