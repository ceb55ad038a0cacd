// What the parent asks the load generator (load-worker.ts) to do, and what it reports.

export interface GetTarget {
  /** Host header, e.g. acme.localhost */
  host: string;
  path: string;
  headers?: Record<string, string>;
}

export interface WebhookTarget {
  host: string;
  /** /api/webhooks/<integrationId> */
  path: string;
  /** The integration's Standard Webhooks secret (whsec_...). */
  secret: string;
  /** Counted separately in the result (e.g. the tenant slug). */
  key: string;
}

export type LoadGroup =
  | { name: string; kind: "get"; connections: number; targets: GetTarget[] }
  | {
      name: string;
      kind: "webhook";
      connections: number;
      targets: WebhookTarget[];
      /** Size of the body in bytes (JSON, padded). */
      bodyBytes: number;
      /** How many deliveries to sign before the clock starts; more are signed on the fly. */
      presign: number;
    };

export interface LoadSpec {
  /** 127.0.0.1:<port> */
  port: number;
  warmupMs: number;
  durationMs: number;
  /** Root of the app's process tree, whose CPU is sampled at the window's edges. */
  appPid: number;
  groups: LoadGroup[];
}

export interface GroupResult {
  name: string;
  /** Requests completed inside the measured window. */
  requests: number;
  /** Status counts inside the window ("ERR:<code>" for a failed request). */
  statuses: Record<string, number>;
  /** Status counts over warm-up + window + drain of in-flight requests. */
  allStatuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** webhook groups: 202s over the whole run, per target key. */
  acceptedByKey: Record<string, number>;
  /** webhook groups: deliveries signed during the run because the pre-signed ones ran out or grew old. */
  signedLate: number;
}

export type WorkerMessage =
  | { type: "window-start" }
  | { type: "window-end" }
  | {
      type: "done";
      windowMs: number;
      /** The app tree's CPU over the window, null without /proc. */
      appCpuMs: number | null;
      /** The generator's own CPU over the window. */
      generatorCpuMs: number;
      /** Epoch ms when the last request (including in-flight ones after the window) finished. */
      loadEndedAt: number;
      groups: GroupResult[];
    }
  | { type: "error"; message: string };
