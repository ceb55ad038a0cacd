// The workflow engine's door into the app (Inngest's SDK protocol). Every call must be
// signed with INNGEST_SIGNING_KEY, in every mode: development and tests run the local
// runner with a generated key (`npm run dev` keeps it in .data/dev-secrets.json), so
// nobody who can reach the server can run a workflow with a crafted request. Unsigned
// or wrongly signed calls get 401, syncs (PUT) included; without a key nothing is served.
import { serve } from "inngest/next";
import { getInngest } from "@/inngest/client";
import { platformFunctions } from "@/inngest/functions";
import { serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { problemFromError } from "@/lib/http/problem-from-error";
import { withObservation } from "@/lib/observability/http";

type Handlers = ReturnType<typeof serve>;
let handlers: Handlers | undefined;

function serveHandlers(): Handlers {
  if (!serverEnv().INNGEST_SIGNING_KEY) {
    throw new AppError("unauthorized", "Engine calls must be signed, and no INNGEST_SIGNING_KEY is configured to check them (npm run dev generates one).");
  }
  handlers ??= serve({ client: getInngest(), functions: platformFunctions(), enableUnauthedSync: false });
  return handlers;
}

function handle(method: "GET" | "POST" | "PUT") {
  return withObservation("/api/inngest", async (request: Request, ctx: unknown): Promise<Response> => {
    let h: Handlers;
    try {
      h = serveHandlers();
    } catch (err) {
      return problemFromError(err, crypto.randomUUID());
    }
    return (h[method] as (req: Request, ctx: unknown) => Promise<Response>)(request, ctx);
  });
}

export const GET = handle("GET");
export const POST = handle("POST");
export const PUT = handle("PUT");
// Long step runs (a sync page, a forwarded call with retries) must not be cut short.
export const maxDuration = 300;
