// Imported first by every CLI: the variables the environment leaves unset come from a
// running `npm run dev` (./dev-env.ts). Runs at import, before any module reads the env.
import { EnvError } from "@/lib/env";
import { applyDevEnv } from "./dev-env";

try {
  const { note } = applyDevEnv();
  if (note) console.error(`[env] ${note}`);
} catch (err) {
  // A malformed variable is reported by the CLI itself, naming it, when it reads the env.
  if (!(err instanceof EnvError)) throw err;
}
