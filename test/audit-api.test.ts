// The pieces the audit endpoints and pages add on top of the library: query parameters
// (names, empty form fields, UTC times, 400s naming the parameter) and the streamed
// export response (lazy, cancellable, headers, audited with the caller as actor).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditActions } from "@/lib/audit/actions";
import type { AuditContext } from "@/lib/audit/context";
import { startAuditExport } from "@/lib/audit/export";
import { exportFilename, exportResponse, linesToStream } from "@/lib/audit/export-response";
import { parseExportParams, parseListParams, parseReportParams, safeListParams, utcTime } from "@/lib/audit/query-params";
import { searchAuditLog } from "@/lib/audit/search";
import { verifyChain } from "@/lib/audit/verify-chain";
import { verifyExportLines } from "@/lib/audit/verify-export";
import { recordEvent } from "@/lib/audit/with-audit";
import { closePool, getPool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { csvValue, parseCsv, seedAuditRows } from "./support/audit";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

function badRequest(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("bad_request");
    return err as AppError;
  }
  throw new Error("expected a bad_request AppError");
}

describe("audit query parameters", () => {
  it("maps the API's names onto the library's query", () => {
    expect(
      parseListParams({
        actor: "u-1",
        actor_type: "user",
        action: "user.",
        target_type: "user",
        target_id: "t-1",
        from: "2026-01-01T00:00:00Z",
        to: "2026-02-01",
        q: "role admin",
        cursor: "42",
        limit: "200",
      }),
    ).toEqual({
      actorId: "u-1",
      actorType: "user",
      action: "user.",
      targetType: "user",
      targetId: "t-1",
      from: new Date("2026-01-01T00:00:00Z"),
      to: new Date("2026-02-01T00:00:00Z"),
      q: "role admin",
      cursor: "42",
      limit: 200,
    });
  });

  it("treats empty fields as absent (an HTML form sends them all) and defaults the limit", () => {
    expect(parseListParams({ action: "", actor: "  ", q: "x", limit: "" })).toEqual({ q: "x", limit: 50 });
  });

  it("reads a time without a zone (datetime-local) as UTC", () => {
    expect(utcTime("2026-03-04T05:06")).toBe("2026-03-04T05:06Z");
    expect(utcTime("2026-03-04T05:06:07.5")).toBe("2026-03-04T05:06:07.5Z");
    expect(utcTime("2026-03-04T05:06:07+02:00")).toBe("2026-03-04T05:06:07+02:00");
    expect(parseListParams({ from: "2026-03-04T05:06:07" }).from).toEqual(new Date("2026-03-04T05:06:07Z"));
  });

  it("answers 400 naming each bad parameter by its query name", () => {
    const err = badRequest(() => parseListParams({ action: "user.%", limit: "201", cursor: "abc", actor_type: "robot", target_type: "user", frm: "x" }));
    const paths = err.fieldErrors.map((f) => f.path).sort();
    expect(paths).toEqual(["action", "actor_type", "cursor", "frm", "limit"]);
    expect(err.message).toMatch(/^Invalid audit log query: /);
    expect(err.fieldErrors.find((f) => f.path === "frm")?.message).toMatch(/unknown parameter/);
    const range = badRequest(() => parseListParams({ from: "2026-02-01", to: "2026-01-01" }));
    expect(range.fieldErrors).toEqual([{ path: "to", message: "must be after from" }]);
    expect(badRequest(() => parseListParams({ from: "yesterday" })).fieldErrors[0]?.path).toBe("from");
  });

  it("ignores unknown parameters when not strict (pages), but still validates known ones", () => {
    expect(safeListParams({ verify: "1", action: "auth." }, false)).toEqual({ ok: true, value: { action: "auth.", limit: 50 } });
    const bad = safeListParams({ verify: "1", limit: "0" }, false);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path)).toEqual(["limit"]);
  });

  it("parses export and report parameters", () => {
    expect(parseExportParams({})).toEqual({ format: "jsonl" });
    expect(parseExportParams({ format: "csv", from: "2026-01-01", to: "" })).toEqual({ format: "csv", from: new Date("2026-01-01") });
    expect(badRequest(() => parseExportParams({ format: "xml" })).fieldErrors[0]?.path).toBe("format");
    expect(badRequest(() => parseExportParams({ format: "csv", limit: "5" })).fieldErrors[0]?.path).toBe("limit");
    expect(parseReportParams({ from: "2026-01-01", to: "2026-02-01T00:00" })).toEqual({ from: new Date("2026-01-01"), to: new Date("2026-02-01") });
    expect(badRequest(() => parseReportParams({ from: "2026-01-01" })).fieldErrors.map((f) => f.path)).toEqual(["to"]);
  });
});

describe("export response", () => {
  it("pulls lines only as the reader asks, in chunks, and stops the source on cancel", async () => {
    let produced = 0;
    let finished = false;
    async function* source() {
      try {
        for (let i = 0; i < 100_000; i++) {
          produced++;
          yield `line ${i}\n`;
        }
      } finally {
        finished = true;
      }
    }
    const reader = linesToStream(source(), 1024).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(new TextDecoder().decode(first.value).startsWith("line 0\nline 1\n")).toBe(true);
    // One chunk read, at most one more buffered ahead: nowhere near the whole source.
    expect(produced).toBeLessThan(500);
    await reader.cancel();
    expect(finished).toBe(true);
    expect(produced).toBeLessThan(500);
  });

  it("names the download after the tenant and the period", () => {
    const now = new Date("2026-05-06T07:08:09.123Z");
    expect(exportFilename("acme", { format: "csv" }, now)).toBe("audit-acme-20260506T070809Z.csv");
    expect(exportFilename("acme", { format: "jsonl", from: new Date("2026-01-01T00:00:00Z") }, now)).toBe("audit-acme-20260101T000000Z-now.jsonl");
  });
});

describe("export through the response, against a tenant", () => {
  const slug = uniqueSlug("api");
  const caller: AuditContext = { actorType: "user", actorId: "u-exporter", actorLabel: "exporter@api.test", requestId: "req-export-1" };

  beforeAll(async () => {
    await createTenant({ slug, name: "Audit API Co" });
    await seedAuditRows(slug, 6, "api");
  });
  afterAll(async () => {
    await dropTenantsQuietly([slug]);
    await closePool();
  });

  it("streams CSV with the chain hashes, and records the export with the caller as actor", async () => {
    const query = parseExportParams({ format: "csv" });
    const res = exportResponse(slug, query, await startAuditExport(getPool(), slug, caller, query));
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="audit-${slug}-\\d{8}T\\d{6}Z\\.csv"$`));
    expect(res.headers.get("cache-control")).toBe("no-store");
    const [header, ...rows] = parseCsv(await res.text());
    expect(header!.map((c) => c.value).slice(-2)).toEqual(["prevHash", "hash"]);
    expect(rows.length).toBeGreaterThanOrEqual(7);
    for (const row of rows) expect(csvValue(row.at(-1)!)).toMatch(/^[0-9a-f]{64}$/);
    const exported = await searchAuditLog(getPool(), slug, parseListParams({ action: auditActions.exported }));
    expect(exported.items).toHaveLength(1);
    expect(exported.items[0]).toMatchObject({ actorType: "user", actorId: "u-exporter", actorLabel: "exporter@api.test", requestId: "req-export-1" });
    expect(exported.items[0]!.metadata).toEqual({ format: "csv", from: null, to: null });
  });

  it("verifies the chain while other writers keep appending (no false break at the end)", async () => {
    // A pool that appends a row after every page the walk reads: the chain keeps
    // growing under the verifier, as on a busy tenant.
    const pool = getPool();
    let appended = 0;
    const busy = {
      query: async (...args: Parameters<typeof pool.query>) => {
        const result = await (pool.query as (...a: unknown[]) => Promise<unknown>)(...args);
        if (typeof args[0] === "string" && /audit_log" AS r WHERE/.test(args[0])) {
          appended++;
          await recordEvent(slug, caller, { action: "test.concurrent", summary: `appended during verification ${appended}` });
        }
        return result;
      },
    } as unknown as typeof pool;
    const report = await verifyChain(busy, slug);
    expect(appended).toBeGreaterThan(0);
    expect(report).toMatchObject({ ok: true });
    expect((await verifyChain(pool, slug)).ok).toBe(true);
  });

  it("streams JSON Lines that verify offline", async () => {
    const query = parseExportParams({ format: "jsonl" });
    const res = exportResponse(slug, query, await startAuditExport(getPool(), slug, caller, query));
    expect(res.headers.get("content-type")).toBe("application/jsonl; charset=utf-8");
    const lines = (await res.text()).split("\n").filter(Boolean);
    const report = await verifyExportLines(lines);
    expect(report).toMatchObject({ ok: true });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ seal: { tenant: slug } });
  });
});
