import type { z } from "zod";
import { AppError } from "./app-error";
import "@/lib/zod/messages"; // zod's messages, in words people read

// Objects parseOrThrow produced, by schema: a route parses its body with the domain's
// schema (readJson), and the domain function that receives that very object does not
// parse it a second time (parseOnce). Weak: nothing is kept alive by this.
const parsedBy = new WeakMap<object, z.ZodType>();

/** Parses with zod; failures become one bad_request AppError listing every field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what = "input"): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) {
    if (typeof result.data === "object" && result.data !== null) parsedBy.set(result.data, schema);
    return result.data;
  }
  const fieldErrors = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const summary = fieldErrors.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join("; ");
  throw new AppError("bad_request", `Invalid ${what}: ${summary}`, fieldErrors);
}

/**
 * For domain functions that routes call with a body they parsed with the same schema:
 * that object is taken as it is; anything else (server actions, CLIs, tests) is parsed.
 */
export function parseOnce<T extends z.ZodType>(schema: T, input: unknown, what = "input"): z.infer<T> {
  if (typeof input === "object" && input !== null && parsedBy.get(input) === schema) return input as z.infer<T>;
  return parseOrThrow(schema, input, what);
}
