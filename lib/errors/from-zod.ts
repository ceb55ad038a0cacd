import type { z } from "zod";
import { AppError } from "./app-error";
import "@/lib/zod/messages"; // zod's messages, in words people read

/** Parses with zod; failures become one bad_request AppError listing every field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what = "input"): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const summary = fieldErrors.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join("; ");
  throw new AppError("bad_request", `Invalid ${what}: ${summary}`, fieldErrors);
}
