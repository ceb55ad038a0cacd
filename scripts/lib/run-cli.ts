// Runs a CLI body with the platform's error conventions: usage errors exit 2,
// operation failures exit 1 with the message (never a stack for expected errors).
import { closePool } from "@/lib/db/pool";
import { EnvError } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";

export class UsageError extends Error {}

export async function runCli(usage: string, body: () => Promise<number | void>): Promise<never> {
  let code = 0;
  try {
    code = (await body()) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${usage}`);
      code = 2;
    } else if (err instanceof AppError) {
      console.error(`error: ${err.message}`);
      code = err.code === "bad_request" ? 2 : 1;
    } else if (err instanceof EnvError) {
      console.error(err.message);
      code = 2;
    } else {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      code = 1;
    }
  } finally {
    await closePool().catch(() => undefined);
  }
  process.exit(code);
}
