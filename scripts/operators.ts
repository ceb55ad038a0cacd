// The operators CLI: accounts of the operator console and its platform audit log.
import "./lib/load-dev-env"; // first: fills unset variables from a running `npm run dev`
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { systemContext } from "@/lib/audit/context";
import { parseExportParams } from "@/lib/audit/query-params";
import { serverEnv } from "@/lib/env";
import { createOperator, disableOperator, listOperators, resetOperator, type OperatorSetup } from "@/lib/operators/create-operator";
import { startPlatformAuditExport, verifyPlatformAudit } from "@/lib/platform-audit/chain";
import { runCli, UsageError } from "./lib/run-cli";

const usage = `usage: npm run operators -- <command>
  create <email>        a new operator: prints a one-time setup password (valid 24 h)
  reset <email>         lost authenticator or password: a new setup password and TOTP secret; ends their sessions
  disable <email>       no more sign-ins; ends their sessions
  list [--json]
  audit verify          walk the platform audit log's hash chain; exit 1 when broken
  audit export [--format jsonl|csv] [--from ISO-time] [--to ISO-time] [--out file]`;

function parse(args: string[], options: ParseArgsConfig["options"] = {}) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function one(args: { positionals: string[] }, what: string): string {
  if (args.positionals.length !== 1) throw new UsageError(`expected ${what}`);
  return args.positionals[0]!;
}

const cli = systemContext("operators CLI");

function printSetup(s: OperatorSetup, verb: string): void {
  const port = process.env.PORT ? `:${process.env.PORT}` : "";
  console.log(`${verb} operator ${s.email}`);
  // Printed once: only its hash is stored. It opens nothing but the enrolment step.
  console.log(`one-time setup password (valid until ${s.setupExpiresAt.toISOString()}): ${s.setupPassword}`);
  console.log(`sign in at http://${serverEnv().APP_ROOT_DOMAIN}${port}/platform/sign-in with it: the console shows the TOTP QR code`);
  console.log(`to scan, asks for a code from the app and a new password, and only then opens a session.`);
}

await runCli(usage, async () => {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case "create":
      printSetup(await createOperator(one(parse(rest), "create <email>"), cli), "created");
      return;
    case "reset":
      printSetup(await resetOperator(one(parse(rest), "reset <email>"), cli), "reset");
      return;
    case "disable": {
      const email = one(parse(rest), "disable <email>");
      await disableOperator(email, cli);
      console.log(`operator ${email} disabled; their sessions are ended`);
      return;
    }
    case "list": {
      const a = parse(rest, { json: { type: "boolean" } });
      if (a.positionals.length) throw new UsageError("list takes no arguments");
      const ops = await listOperators();
      if (a.values.json) console.log(JSON.stringify(ops, null, 2));
      else if (!ops.length) console.log("no operators");
      else
        for (const o of ops)
          console.log(
            `${o.email.padEnd(40)} ${o.status.padEnd(9)} ${o.totpEnabled ? "totp" : "enrolment pending"}  last sign-in ${o.lastSignInAt?.toISOString() ?? "never"}`,
          );
      return;
    }
    case "audit": {
      const [sub, ...args] = rest;
      if (sub === "verify") {
        if (parse(args).positionals.length) throw new UsageError("audit verify takes no arguments");
        const r = await verifyPlatformAudit();
        const unsealed = r.unsealed ? `; ${r.unsealed} newer row(s) not sealed yet, not checked` : "";
        if (r.ok) {
          console.log(`platform audit log: chain intact, ${r.rowsChecked} rows checked (from seq ${r.startedAfterSeq} to ${r.lastSeq})${unsealed}`);
          return 0;
        }
        console.error(`platform audit log: CHAIN BROKEN at seq ${r.firstBroken?.seq}: ${r.firstBroken?.problem}`);
        return 1;
      }
      if (sub === "export") {
        const a = parse(args, { format: { type: "string" }, from: { type: "string" }, to: { type: "string" }, out: { type: "string" } });
        if (a.positionals.length) throw new UsageError("audit export takes options only");
        const raw: Record<string, string> = {};
        for (const k of ["format", "from", "to"] as const) if (typeof a.values[k] === "string") raw[k] = a.values[k];
        const query = parseExportParams(raw);
        const out = typeof a.values.out === "string" ? createWriteStream(a.values.out) : process.stdout;
        const lines = await startPlatformAuditExport(cli, query);
        for await (const line of lines) if (!out.write(line)) await once(out, "drain");
        if (out !== process.stdout) {
          out.end();
          await once(out, "finish");
        }
        return;
      }
      throw new UsageError(`unknown audit command: ${sub ?? "(none)"}`);
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : "missing command");
  }
});
