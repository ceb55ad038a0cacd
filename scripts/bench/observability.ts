// npm run bench:observability [-- --requests 50000 --tenants 100]
// What observing costs: (1) per API request, the access-log line (real pino, JSON, to
// /dev/null) plus the HTTP counter and histogram, measured around a handler that does
// nothing; (2) a scrape of /api/metrics' registry with --tenants tenant schemas in a
// throwaway database: the first (uncached: the inbox statement over every schema) and
// the next (cached) one.
import { parseArgs } from "node:util";
import pino from "pino";
import { closePool } from "@/lib/db/pool";
import { observeRequest } from "@/lib/observability/http";
import { loggerOptions, replaceLogger } from "@/lib/observability/logger";
import { registry } from "@/lib/observability/metrics";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { printParts, startStack } from "../lib/stack";

const { values } = parseArgs({ options: { requests: { type: "string" }, tenants: { type: "string" } } });
const requests = Number(values.requests ?? 50_000);
const tenants = Number(values.tenants ?? 100);
if (!Number.isInteger(requests) || requests < 1000 || !Number.isInteger(tenants) || tenants < 1) {
  console.error("usage: npm run bench:observability -- [--requests N>=1000] [--tenants N>=1]");
  process.exit(2);
}

const stack = await startStack("test");
printParts(stack.parts);
Object.assign(process.env, stack.env);

try {
  replaceLogger(pino(loggerOptions("info"), pino.destination({ dest: "/dev/null", sync: true })));
  const request = new Request("http://acme.localhost/api/v1/tenant", { headers: { "x-request-id": "bench-request-id" } });
  const handler = async () => new Response("{}", { status: 200 });
  const time = async (label: string, fn: () => Promise<unknown>) => {
    for (let i = 0; i < 2_000; i++) await fn(); // warm-up
    const started = performance.now();
    for (let i = 0; i < requests; i++) await fn();
    const us = ((performance.now() - started) * 1000) / requests;
    console.log(`${label.padEnd(44)} ${us.toFixed(2)} µs/request`);
    return us;
  };
  console.log(`\n${requests} requests, in process:`);
  const bare = await time("handler alone", handler);
  const observed = await time("observeRequest (log line + counter + histogram)", () =>
    observeRequest(request, "/api/v1/tenant", { request_id: "bench-request-id", tenant: "acme" }, handler),
  );
  console.log(`${"cost of observing".padEnd(44)} ${(observed - bare).toFixed(2)} µs/request`);

  console.log(`\ncreating ${tenants} tenant(s)…`);
  for (let i = 0; i < tenants; i++) await createTenant({ slug: `bench-obs-${i}`, name: `Bench ${i}` });
  await import("@/lib/observability/collectors");
  const scrape = async (label: string) => {
    const started = performance.now();
    const text = await registry.metrics();
    const ms = performance.now() - started;
    console.log(`${label.padEnd(44)} ${ms.toFixed(1)} ms, ${text.split("\n").filter((l) => l && !l.startsWith("#")).length} series`);
  };
  await scrape(`first scrape, ${tenants} tenant schemas (uncached)`);
  await scrape("next scrape (cached)");
} finally {
  await closePool();
  await stack.stop();
}
