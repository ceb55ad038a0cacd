// Request bodies: JSON only, size-capped, parsed with zod into a 400 that names each field.
import type { z } from "zod";
import { AppError } from "@/lib/errors/app-error";
import { parseOrThrow } from "@/lib/errors/from-zod";

const maxBytes = 64 * 1024;

export async function readJson<T extends z.ZodType>(request: Request, schema: T, what = "request body"): Promise<z.infer<T>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new AppError("bad_request", "Send the body as JSON (Content-Type: application/json).");
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) throw new AppError("payload_too_large", `The body is larger than ${maxBytes / 1024} KiB.`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The body is not valid JSON.");
  }
  return parseOrThrow(schema, body, what);
}

/** Query parameters as a plain object for zod (repeated keys keep the last value). */
export function queryObject(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams.entries());
}
