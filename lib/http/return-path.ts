// Where sign-in sends the user afterwards: the page they asked for, but only a path on
// this same host. Anything else (absolute URLs, protocol-relative "//evil", backslash
// tricks, control characters, the sign-in page itself) falls back to "/".
import { hasNoControlCharacters } from "@/lib/zod/text";

const maxLength = 2_000;

export function safeReturnPath(raw: unknown): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > maxLength || !hasNoControlCharacters(raw)) return "/";
  if (!raw.startsWith("/") || raw.startsWith("//") || raw.includes("\\")) return "/";
  // Resolved against a placeholder origin: whatever the browser would make of it must stay on that origin.
  const base = "http://same.invalid";
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return "/";
  }
  if (url.origin !== base) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (path === "/sign-in" || path.startsWith("/sign-in?") || path.startsWith("/api/")) return "/";
  return path;
}

/** The sign-in page's address that comes back to `path` afterwards. */
export function signInPath(path: string): string {
  const target = safeReturnPath(path);
  return target === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(target)}`;
}
