// The workflow engine's door into the app (Inngest's SDK protocol). With
// INNGEST_SIGNING_KEY set, every call must carry the engine's signature; without one
// the SDK runs in dev mode and accepts unsigned calls, which production refuses.
import { serve } from "inngest/next";
import { getInngest } from "@/inngest/client";
import { platformFunctions } from "@/inngest/functions";
import { serverEnv } from "@/lib/env";
import { AppError } from "@/lib/errors/app-error";
import { problemFromError } from "@/lib/http/problem";

type Handlers = ReturnType<typeof serve>;
let handlers: Handlers | undefined;

function serveHandlers(): Handlers {
  const env = serverEnv();
  if (env.NODE_ENV === "production" && !env.INNGEST_SIGNING_KEY) {
    throw new AppError("unavailable", "Workflows are off: set INNGEST_SIGNING_KEY (production never accepts unsigned engine calls).");
  }
  handlers ??= serve({ client: getInngest(), functions: platformFunctions() });
  return handlers;
}

function handle(method: "GET" | "POST" | "PUT") {
  return async (request: Request, ctx: unknown): Promise<Response> => {
    let h: Handlers;
    try {
      h = serveHandlers();
    } catch (err) {
      return problemFromError(err, crypto.randomUUID());
    }
    return (h[method] as (req: Request, ctx: unknown) => Promise<Response>)(request, ctx);
  };
}

export const GET = handle("GET");
export const POST = handle("POST");
export const PUT = handle("PUT");
// Long step runs (a sync page, a forwarded call with retries) must not be cut short.
export const maxDuration = 300;
