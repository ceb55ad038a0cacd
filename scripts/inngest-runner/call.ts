// One Call Request to the SDK (spec 4.4) and the classification of its answer:
//   200 -> the run's output; 206 -> step ops; anything else -> an error, retriable
//   unless the SDK says `X-Inngest-No-Retry: true`; `Retry-After` is passed on.
import { z } from "zod";
import { parseRetryAfter } from "./duration";
import { canonicalJson, signatureHeader } from "./signing";
import { errorMessage, oneLine, type ErrorShape } from "./types";

export const opSchema = z.looseObject({
  id: z.string().min(1),
  op: z.string().min(1),
  name: z.string().nullish(),
  displayName: z.string().nullish(),
  opts: z.record(z.string(), z.unknown()).nullish(),
  data: z.unknown().optional(),
  error: z.unknown().optional(),
});
export type Op = z.infer<typeof opSchema>;
const opsSchema = z.array(opSchema).min(1, "a 206 response must report at least one op");

const errorBodySchema = z.object({
  name: z.string().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
  stack: z.string().optional(),
});

export interface CallRequest {
  url: string;
  body: unknown;
  signingKey?: string;
  serverKind: "dev" | "cloud";
  timeoutMs: number;
  signal: AbortSignal;
}

interface Common {
  /** The execution version the SDK chose (`X-Inngest-Req-Version`). */
  version?: number;
  retryAfterMs?: number;
}
export type CallOutcome =
  | (Common & { kind: "complete"; data: unknown })
  | (Common & { kind: "ops"; ops: Op[]; noRetry: boolean })
  | (Common & { kind: "error"; retriable: boolean; error: ErrorShape; status?: number });

/** A protocol error shape from anything the SDK put in an error body or op. */
export function toErrorShape(value: unknown, fallback: string): ErrorShape {
  const parsed = errorBodySchema.safeParse(value);
  const v = parsed.success ? parsed.data : {};
  const shape: ErrorShape = { name: v.name || "Error", message: v.message || v.error || fallback };
  if (v.stack) shape.stack = v.stack;
  return shape;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: text === "" ? null : JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export async function callSdk(req: CallRequest): Promise<CallOutcome> {
  const payload = canonicalJson(req.body);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "inngest-local-runner",
    "x-inngest-server-kind": req.serverKind,
  };
  if (req.signingKey) headers["x-inngest-signature"] = signatureHeader(payload, req.signingKey);

  let res: Response;
  let text: string;
  try {
    res = await fetch(req.url, {
      method: "POST",
      headers,
      body: payload,
      signal: AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]),
    });
    text = await res.text();
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return {
      kind: "error",
      retriable: true,
      error: { name: "NetworkError", message: `request to ${req.url} failed: ${errorMessage(err)}${cause}` },
    };
  }

  const common: Common = {};
  const version = Number(res.headers.get("x-inngest-req-version"));
  if (version === 1 || version === 2) common.version = version;
  const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), Date.now());
  if (retryAfterMs !== undefined) common.retryAfterMs = retryAfterMs;
  const noRetry = res.headers.get("x-inngest-no-retry")?.toLowerCase() === "true";
  const json = parseJson(text);

  if (res.status === 200) {
    if (json.ok) return { ...common, kind: "complete", data: json.value };
    return {
      ...common,
      kind: "error",
      retriable: true,
      status: 200,
      error: { name: "ProtocolError", message: "the SDK answered 200 with a body that is not JSON" },
    };
  }
  if (res.status === 206) {
    const ops = opsSchema.safeParse(json.ok ? json.value : undefined);
    if (ops.success) return { ...common, kind: "ops", ops: ops.data, noRetry };
    return {
      ...common,
      kind: "error",
      retriable: true,
      status: 206,
      error: { name: "ProtocolError", message: `the SDK answered 206 with an invalid op list: ${oneLine(z.prettifyError(ops.error))}` },
    };
  }

  const fallback = `HTTP ${res.status}${text ? `: ${oneLine(text, 200)}` : ""}`;
  const error = toErrorShape(json.ok ? json.value : undefined, fallback);
  if (res.status === 401 || res.status === 403) {
    error.message = `the SDK rejected the request (HTTP ${res.status}, ${error.message}); start the runner with the app's INNGEST_SIGNING_KEY (the app refuses calls signed with any other key)`;
  }
  return { ...common, kind: "error", retriable: !noRetry, status: res.status, error };
}
