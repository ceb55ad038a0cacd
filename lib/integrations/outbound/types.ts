// What a caller hands the outbound client, validated at the boundary, and what it gets back.
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import { slugSchema } from "@/lib/tenancy/slug";

export const outboundMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type OutboundMethod = (typeof outboundMethods)[number];

/** One tenant's `rest` integration as the client needs it (settings decrypted by the caller). */
export const outboundTargetSchema = z.object({
  tenantSlug: slugSchema,
  // A uuid: integrations.id, notices.integration_id, and part of Redis keys.
  integrationId: z.uuid(),
  integrationName: z.string().min(1).max(200),
  baseUrl: z.string().max(2048).pipe(z.url()),
  /** Sent as `Authorization: Bearer <token>`; never logged or audited. */
  token: z
    .string()
    .min(1)
    .max(8192)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional(),
  /** Connect plus the whole response, per attempt. */
  timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  rateLimitPerMinute: z.number().int().min(1).max(100_000).default(600),
  /** Consecutive failed attempts (network, timeout, 5xx, 429) that open the circuit. */
  failureThreshold: z.number().int().min(1).max(1_000).default(5),
  /** How long an open circuit refuses calls before letting one trial through. */
  openSeconds: z.number().int().min(1).max(3_600).default(30),
});

export type OutboundTarget = z.input<typeof outboundTargetSchema>;
export type ParsedTarget = z.output<typeof outboundTargetSchema>;

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Printable ASCII plus tab: no CR/LF (header injection) and nothing Node would reject mid-call.
const headerValue = /^[\t\x20-\x7e]*$/;

export const outboundRequestSchema = z.object({
  method: z.enum(outboundMethods),
  /** Joined onto the base URL's path; may not leave it (no scheme, no `//host`, no `..` above it). */
  path: z.string().max(2048),
  query: z.record(z.string().max(200), z.union([z.string().max(2048), z.number(), z.boolean()])).optional(),
  headers: z.record(z.string().regex(headerName, "must be a valid header name"), z.string().max(8192).regex(headerValue, "must be printable ASCII")).optional(),
  /** Serialised as the request body with Content-Type: application/json. */
  json: z.unknown().optional(),
  /** Sent as Idempotency-Key; makes POST and PATCH safe to retry. */
  idempotencyKey: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional(),
});

export type OutboundRequest = z.input<typeof outboundRequestSchema>;
export type ParsedRequest = z.output<typeof outboundRequestSchema>;

export interface OutboundOptions {
  /**
   * `host:port` keys (allowed-hosts.ts) the SSRF guard lets through to private or
   * loopback addresses. Default: INTEGRATIONS_ALLOWED_HOSTS.
   */
  allowedHosts?: readonly string[];
  /** Backoff base between attempts (doubles per attempt, jittered). Default 200 ms. */
  backoffBaseMs?: number;
  /** Clock in epoch ms, for Retry-After dates and circuit timing. Default Date.now. */
  now?: () => number;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON (throws SyntaxError when it is not). */
  json<T = unknown>(): T;
  /** The whole logical call, retries and waits included. */
  latencyMs: number;
  attempts: number;
}
