// The tenant lifecycle CLI for platform operators. See `usage` below.
import "./lib/load-dev-env"; // first: fills unset variables from a running `npm run dev`
import { parseArgs, type ParseArgsConfig } from "node:util";
import { formatReport } from "@/lib/db/migrations/format-report";
import { migrateAll } from "@/lib/db/migrations/runner";
import { getPool } from "@/lib/db/pool";
import { serverEnv } from "@/lib/env";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { addDomain, removeDomain } from "@/lib/tenancy/domains";
import { dropTenant } from "@/lib/tenancy/drop-tenant";
import { listTenants } from "@/lib/tenancy/list-tenants";
import { listMoves } from "@/lib/tenancy/move/move-record";
import { moveSteps, moveTenant, type MoveStep } from "@/lib/tenancy/move/move-tenant";
import { rebuildMirror } from "@/lib/tenancy/mirror";
import { setTenantStatus } from "@/lib/tenancy/set-tenant-status";
import { runCli, UsageError } from "./lib/run-cli";

const usage = `usage: npm run tenants -- <command>
  create <slug> --name "Acme Inc" [--owner-email owner@acme.test] [--cluster <name>]
                            --cluster: a DATABASE_CLUSTERS name or default (else TENANT_PLACEMENT decides)
  list [--json]
  migrate [--concurrency N]
  suspend <slug> | resume <slug> | archive <slug>
  drop <slug> --confirm <slug>
  move <slug> --to <cluster>   copy the tenant to another cluster while it stays writable, then switch
       [--pause-after <step>]  (fault drills: stop after a step until killed; steps: ${moveSteps.join(", ")})
  moves <slug> [--json]        the tenant's moves, their steps and outcome
  domain add <slug> <hostname> [--primary] [--unverified]
  domain remove <slug> <hostname>
  domain rebuild            rebuild the Redis hostname/tenant mirror from PostgreSQL`;

function parse(args: string[], options: ParseArgsConfig["options"] = {}) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function positionals(args: { positionals: string[] }, count: number, names: string): string[] {
  if (args.positionals.length !== count) throw new UsageError(`expected ${names}`);
  return args.positionals;
}

await runCli(usage, async () => {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case "create": {
      const a = parse(rest, { name: { type: "string" }, "owner-email": { type: "string" }, cluster: { type: "string" } });
      const [slug] = positionals(a, 1, "create <slug> --name <name>");
      if (typeof a.values.name !== "string") throw new UsageError("--name is required");
      const started = performance.now();
      const ownerEmail = a.values["owner-email"];
      const cluster = a.values.cluster;
      const t = await createTenant({
        slug: slug!,
        name: a.values.name,
        ownerEmail: typeof ownerEmail === "string" ? ownerEmail : undefined,
        cluster: typeof cluster === "string" ? cluster : undefined,
      });
      console.log(`created tenant ${t.slug} (${t.name}) in schema ${t.schemaName} on cluster ${t.cluster} in ${Math.round(performance.now() - started)} ms`);
      if (t.ownerInvitationToken) {
        // Printed once: the owner sets a password there. Only a hash is stored.
        console.log(`owner invitation (valid 7 days): http://${t.slug}.${serverEnv().APP_ROOT_DOMAIN}/invite/${t.ownerInvitationToken}`);
      }
      return;
    }
    case "list": {
      const a = parse(rest, { json: { type: "boolean" } });
      positionals(a, 0, "no arguments");
      const tenants = await listTenants();
      if (a.values.json) {
        console.log(JSON.stringify(tenants, null, 2));
        return;
      }
      if (!tenants.length) console.log("no tenants");
      for (const t of tenants) {
        const domains = t.domains.map((d) => `${d.hostname}${d.verified ? "" : " (unverified)"}${d.primary ? " *" : ""}`);
        console.log(`${t.slug.padEnd(24)} ${t.status.padEnd(10)} ${t.cluster.padEnd(12)} ${t.name}${domains.length ? `  [${domains.join(", ")}]` : ""}`);
      }
      return;
    }
    case "migrate": {
      const a = parse(rest, { concurrency: { type: "string" } });
      positionals(a, 0, "no positional arguments");
      const concurrency = a.values.concurrency ? Number(a.values.concurrency) : serverEnv().MIGRATION_CONCURRENCY;
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError("--concurrency must be 1-64");
      const report = await migrateAll(getPool(), { concurrency, lockWaitMs: 60_000, appRole: serverEnv().DATABASE_APP_ROLE });
      console.log(formatReport(report));
      return report.failed ? 1 : 0;
    }
    case "suspend":
    case "resume":
    case "archive": {
      const [slug] = positionals(parse(rest), 1, `${command} <slug>`);
      const status = command === "suspend" ? "suspended" : command === "archive" ? "archived" : "active";
      const t = await setTenantStatus(slug!, status);
      console.log(`tenant ${t.slug} is now ${t.status}`);
      return;
    }
    case "drop": {
      const a = parse(rest, { confirm: { type: "string" } });
      const [slug] = positionals(a, 1, "drop <slug> --confirm <slug>");
      if (typeof a.values.confirm !== "string") throw new UsageError("--confirm <slug> is required to drop a tenant");
      const { domains } = await dropTenant(slug!, a.values.confirm);
      console.log(`dropped tenant ${slug}${domains.length ? ` and its domains ${domains.join(", ")}` : ""}`);
      return;
    }
    case "move": {
      const a = parse(rest, { to: { type: "string" }, "pause-after": { type: "string" } });
      const [slug] = positionals(a, 1, "move <slug> --to <cluster>");
      if (typeof a.values.to !== "string") throw new UsageError("--to <cluster> is required");
      const pauseAfter = a.values["pause-after"];
      if (pauseAfter !== undefined && (typeof pauseAfter !== "string" || !(moveSteps as readonly string[]).includes(pauseAfter))) {
        throw new UsageError(`--pause-after must be one of ${moveSteps.join(", ")}`);
      }
      // Ctrl-C before the switch puts everything back (a kill -9 leaves that to a rerun).
      const abort = new AbortController();
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => abort.abort());
      const outcome = await moveTenant({
        slug: slug!,
        to: a.values.to,
        signal: abort.signal,
        async onStep(step: MoveStep, figures) {
          console.log(`  ${new Date().toISOString().slice(11, 23)} ${step}${Object.keys(figures).length ? ` ${JSON.stringify(figures)}` : ""}`);
          if (step === pauseAfter) {
            console.log(`paused after ${step} (--pause-after): kill this process to drill a failure`);
            await new Promise<never>((_, reject) => {
              const keepAlive = setInterval(() => undefined, 60_000);
              abort.signal.addEventListener("abort", () => (clearInterval(keepAlive), reject(new Error("interrupted while paused"))), { once: true });
            });
          }
        },
      });
      if (outcome.recovered) console.log(outcome.recovered);
      if (outcome.rounds) {
        console.log(
          `moved ${outcome.slug} from ${outcome.from} to ${outcome.to}: ${outcome.rowsCopied} rows in ${outcome.rounds} rounds, read-only for ${outcome.holdMs} ms (move ${outcome.moveId})`,
        );
      }
      return;
    }
    case "moves": {
      const a = parse(rest, { json: { type: "boolean" } });
      const [slug] = positionals(a, 1, "moves <slug>");
      const moves = await listMoves(getPool(), String(slug));
      if (a.values.json) {
        console.log(JSON.stringify(moves, null, 2));
        return;
      }
      if (!moves.length) console.log(`no moves of ${slug}`);
      for (const m of moves) {
        const started = m.steps[0]?.at ?? "";
        console.log(
          `${started}  ${m.sourceCluster} -> ${m.targetCluster}  ${m.state}${m.holdMs !== null ? `  read-only ${m.holdMs} ms` : ""}${m.error ? `  (${m.error})` : ""}`,
        );
      }
      return;
    }
    case "domain": {
      const [sub, ...args] = rest;
      if (sub === "add") {
        const a = parse(args, { primary: { type: "boolean" }, unverified: { type: "boolean" } });
        const [slug, host] = positionals(a, 2, "domain add <slug> <hostname>");
        const d = await addDomain(slug!, host!, { primary: Boolean(a.values.primary), verified: !a.values.unverified });
        console.log(`added ${d.hostname} to ${slug}${d.verified ? "" : " (unverified: not routed until verified)"}`);
        return;
      }
      if (sub === "remove") {
        const [slug, host] = positionals(parse(args), 2, "domain remove <slug> <hostname>");
        await removeDomain(slug!, host!);
        console.log(`removed ${host} from ${slug}`);
        return;
      }
      if (sub === "rebuild") {
        positionals(parse(args), 0, "no arguments");
        const r = await rebuildMirror();
        if (!r.ok) {
          console.error(`error: could not rebuild the Redis mirror: ${r.error}`);
          return 1;
        }
        console.log(`mirror rebuilt: ${r.tenants} tenants, ${r.domains} verified domains, ${r.removed} stale keys removed`);
        return;
      }
      throw new UsageError(`unknown domain command: ${sub ?? "(none)"}`);
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : "missing command");
  }
});
