// Function sync (spec 4.3): the body the SDK POSTs to /fn/register, parsed into the
// functions the runner can run. Options the runner does not implement are not
// dropped: the function is kept but marked refused, the refusal is logged at sync,
// and every run of it fails at once with that message.
import { z } from "zod";
import type { BatchConfig } from "./batching";
import type { ConcurrencyConstraint } from "./concurrency";
import { CronError, parseCron, type CronSchedule } from "./cron";
import { parseTimeString } from "./duration";
import { compileEquality, parseDataPath } from "./expressions";
import type { RunnerEvent } from "./types";

/** The SDK sends `retries: { attempts: <retries> }`; 3 retries when absent (SDK default). */
const DEFAULT_RETRIES = 3;
const SUPPORTED_KEYS = new Set(["id", "name", "triggers", "steps", "concurrency", "batchEvents"]);

const concurrencyOption = z.object({
  limit: z.number().int(),
  key: z.string().nullish(),
  scope: z.enum(["fn", "env", "account"]).nullish(),
});

const functionSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  triggers: z.array(
    z.union([z.object({ event: z.string().min(1), expression: z.string().nullish() }), z.object({ cron: z.string().min(1), jitter: z.string().nullish() })]),
  ),
  steps: z.record(
    z.string(),
    z.object({
      id: z.string(),
      name: z.string().nullish(),
      runtime: z.object({ type: z.string(), url: z.url() }),
      retries: z.object({ attempts: z.number().int().min(0).nullish() }).nullish(),
    }),
  ),
  concurrency: z.union([z.number().int(), concurrencyOption, z.array(concurrencyOption)]).nullish(),
  batchEvents: z.object({ maxSize: z.number().int().min(1), timeout: z.string().min(1), key: z.string().nullish(), if: z.string().nullish() }).nullish(),
});

export const registerBodySchema = z.looseObject({
  url: z.url(),
  appName: z.string().min(1),
  functions: z.array(functionSchema),
  sdk: z.string().nullish(),
  framework: z.string().nullish(),
});
type FunctionConfig = z.infer<typeof functionSchema>;

export interface EventTrigger {
  event: string;
  matches(event: RunnerEvent): boolean;
}

export interface CronTrigger {
  expression: string;
  schedule: CronSchedule;
}

export interface RegisteredFunction {
  id: string;
  name: string;
  appName: string;
  /** The call URL, already carrying `fnId` and `stepId=step`. */
  url: string;
  maxAttempts: number;
  eventTriggers: EventTrigger[];
  cronTriggers: CronTrigger[];
  concurrency: ConcurrencyConstraint[];
  /** Set for a function that takes its events in batches. */
  batch?: BatchConfig;
  /** Why the runner will not run this function, if it will not. */
  refusal?: string;
}

export interface RegisteredApp {
  appName: string;
  url: string;
  sdk?: string;
  functions: RegisteredFunction[];
}

function nameMatches(trigger: string, name: string): boolean {
  return trigger.endsWith("*") ? name.startsWith(trigger.slice(0, -1)) : trigger === name;
}

function parseConcurrency(raw: FunctionConfig["concurrency"], problems: string[]): ConcurrencyConstraint[] {
  if (raw === null || raw === undefined) return [];
  const options = typeof raw === "number" ? [{ limit: raw }] : Array.isArray(raw) ? raw : [raw];
  const out: ConcurrencyConstraint[] = [];
  for (const o of options) {
    if (o.limit <= 0) continue; // 0 means "no limit" (spec 4.3.2)
    const c: ConcurrencyConstraint = { limit: o.limit, scope: ("scope" in o && o.scope) || "fn" };
    if ("key" in o && o.key) {
      const path = parseDataPath(o.key);
      if (!path) {
        problems.push(`concurrency key "${o.key}" is not supported (only event.data.<path>)`);
        continue;
      }
      c.key = { expression: o.key, path };
    }
    out.push(c);
  }
  return out;
}

function parseBatch(raw: FunctionConfig["batchEvents"], problems: string[]): BatchConfig | undefined {
  if (!raw) return undefined;
  const timeoutMs = parseTimeString(raw.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) {
    problems.push(`batchEvents timeout "${raw.timeout}" is not a time string`);
    return undefined;
  }
  if (raw.if) problems.push(`batchEvents "if" expressions are not supported`);
  const batch: BatchConfig = { maxSize: raw.maxSize, timeoutMs };
  if (raw.key) {
    const path = parseDataPath(raw.key);
    if (!path) problems.push(`batchEvents key "${raw.key}" is not supported (only event.data.<path>)`);
    else batch.key = { expression: raw.key, path };
  }
  return batch;
}

function parseFunction(cfg: FunctionConfig, appName: string): RegisteredFunction {
  const problems: string[] = [];
  const unsupported = Object.keys(cfg).filter((k) => !SUPPORTED_KEYS.has(k) && cfg[k] !== null && cfg[k] !== undefined);
  if (unsupported.length > 0) problems.push(`unsupported option(s): ${unsupported.join(", ")}`);

  const eventTriggers: EventTrigger[] = [];
  const cronTriggers: CronTrigger[] = [];
  for (const t of cfg.triggers) {
    if ("event" in t) {
      let matches: (event: RunnerEvent) => boolean = () => true;
      if (t.expression) {
        const compiled = compileEquality(t.expression);
        if (compiled) matches = compiled;
        else problems.push(`trigger expression "${t.expression}" is not supported (only event.data.<path> == <literal>)`);
      }
      eventTriggers.push({ event: t.event, matches });
    } else {
      if (t.jitter) problems.push(`cron jitter is not supported`);
      try {
        cronTriggers.push({ expression: t.cron, schedule: parseCron(t.cron) });
      } catch (err) {
        problems.push(`cron "${t.cron}": ${err instanceof CronError ? err.message : String(err)}`);
      }
    }
  }

  const step = cfg.steps.step ?? Object.values(cfg.steps)[0];
  if (!step) problems.push("no step runtime to call");
  else if (step.runtime.type !== "http") problems.push(`runtime "${step.runtime.type}" is not supported (http only)`);
  const retries = step?.retries?.attempts ?? DEFAULT_RETRIES;

  const fn: RegisteredFunction = {
    id: cfg.id,
    name: cfg.name || cfg.id,
    appName,
    url: step?.runtime.url ?? "",
    maxAttempts: retries + 1,
    eventTriggers,
    cronTriggers,
    concurrency: parseConcurrency(cfg.concurrency, problems),
  };
  const batch = parseBatch(cfg.batchEvents, problems);
  if (batch) fn.batch = batch;
  if (problems.length > 0) fn.refusal = `not supported by the local Inngest runner: ${problems.join("; ")}`;
  return fn;
}

export function parseRegistration(body: z.infer<typeof registerBodySchema>): RegisteredApp {
  const app: RegisteredApp = {
    appName: body.appName,
    url: body.url,
    functions: body.functions.map((f) => parseFunction(f, body.appName)),
  };
  if (body.sdk) app.sdk = body.sdk;
  return app;
}

export class Registry {
  private readonly apps = new Map<string, { app: RegisteredApp; fingerprint: string }>();
  private byId = new Map<string, RegisteredFunction>();

  /** Replaces the app's functions; `modified` says whether anything changed. */
  register(app: RegisteredApp, fingerprint: string): { modified: boolean } {
    const previous = this.apps.get(app.appName);
    this.apps.set(app.appName, { app, fingerprint });
    this.byId = new Map();
    for (const { app: a } of this.apps.values()) for (const fn of a.functions) this.byId.set(fn.id, fn);
    return { modified: previous?.fingerprint !== fingerprint };
  }

  get(fnId: string): RegisteredFunction | undefined {
    return this.byId.get(fnId);
  }

  functions(): RegisteredFunction[] {
    return [...this.byId.values()];
  }

  /**
   * Functions an event triggers. A refused function is returned when the event name
   * matches, whatever its expression, so that its refusal surfaces as a failed run.
   */
  triggeredBy(event: RunnerEvent): RegisteredFunction[] {
    return this.functions().filter((fn) => fn.eventTriggers.some((t) => nameMatches(t.event, event.name) && (fn.refusal !== undefined || t.matches(event))));
  }
}
