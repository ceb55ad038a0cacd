// Turns two Prisma schema texts into the PostgreSQL DDL that migrates one to the
// other, using @prisma/schema-engine-wasm (the native engine cannot be downloaded
// here, so `prisma migrate diff` is unavailable). No database is involved.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlResultSet,
} from "@prisma/driver-adapter-utils";

// Diffing from `{ tag: "empty" }` prepends `CREATE SCHEMA IF NOT EXISTS "public"`;
// diffing from a schema with no models gives the same DDL without it.
const EMPTY_SCHEMA = 'datasource db {\n  provider = "postgresql"\n}\n';

// SchemaEngine.new connects through the adapter and runs exactly one probe query
// (schema exists? server version?). Answer it with canned values and fail anything
// else, so a diff can never touch a real database. 15.0 = oldest server we target.
function offlineAdapter(): SqlDriverAdapter {
  const refuse = (): Promise<never> => Promise.reject(new Error("schema-diff: no database available"));
  return {
    provider: "postgres",
    adapterName: "schema-diff-offline",
    queryRaw: async ({ sql }): Promise<SqlResultSet> => {
      if (!sql.includes("pg_namespace")) return refuse();
      return { columnNames: ["exists", "version", "numeric_version"], columnTypes: [5, 7, 0], rows: [[true, "PostgreSQL 15.0", 150000]] };
    },
    executeRaw: refuse,
    executeScript: refuse,
    startTransaction: refuse,
    dispose: async () => {},
  };
}

const offlineFactory: SqlMigrationAwareDriverAdapterFactory = {
  provider: "postgres",
  adapterName: "schema-diff-offline",
  connect: async () => offlineAdapter(),
  connectToShadowDb: async () => offlineAdapter(),
};

let enginePromise: Promise<bg.SchemaEngine> | undefined;

// The package's main entry does `import "./schema_engine_bg.wasm"`, which Node
// cannot load, so instantiate the .wasm ourselves against its JS glue module.
async function loadEngine(): Promise<bg.SchemaEngine> {
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg").replace(/\.js$/, ".wasm");
  const imports = { "./schema_engine_bg.js": bg as unknown as WebAssembly.ModuleImports };
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), imports);
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  const quiet = (): void => {}; // engine log lines (JSON) are noise for a CLI
  return bg.SchemaEngine.new({ datamodels: [["empty.prisma", EMPTY_SCHEMA]] }, quiet, bindMigrationAwareSqlAdapterFactory(offlineFactory));
}

/** SQL migrating `fromText` (null = nothing yet) to `toText`; "" when they are equivalent. */
export async function diffSchemas(fromText: string | null, toText: string): Promise<string> {
  enginePromise ??= loadEngine();
  const engine = await enginePromise;
  const result = await engine.diff({
    from: { tag: "schemaDatamodel", files: [{ path: "from.prisma", content: fromText ?? EMPTY_SCHEMA }] },
    to: { tag: "schemaDatamodel", files: [{ path: "to.prisma", content: toText }] },
    script: true,
    exitCode: true, // exitCode 2 = non-empty diff; 0 comes with a "-- This is an empty migration." stub
    filters: { externalTables: [], externalEnums: [] },
  });
  if (result.exitCode === 0) return "";
  const sql = result.stdout ?? "";
  // The migration runner applies tenant SQL under `SET LOCAL search_path`, so a
  // schema-qualified name (e.g. from a `schemas = [...]` datasource) would be wrong.
  if (/"[^"\n]+"\."|CREATE SCHEMA/i.test(sql)) throw new Error(`schema-diff: generated SQL names a schema; remove multi-schema settings:\n${sql}`);
  return sql;
}
