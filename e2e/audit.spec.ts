// The audit trail's API and admin pages end to end against the production build
// (port 3100, full stack), on the seeded demo tenants acme and globex.
// The demo owner signs in once per worker; everything else runs as users this spec
// creates (an admin "auditor", a viewer, a member), so the owner's sign-in budget is
// left to other specs. Token requests carry an X-Forwarded-For of this worker's own,
// so they use a sign-in rate limit bucket no other spec shares.
import { randomBytes } from "node:crypto";
import type { ComplianceReport } from "@/lib/audit/report";
import { expect, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import { verifyExportLines } from "@/lib/audit/verify-export";
import { expectProblem, onPort } from "./support";

const { url, onHost } = onPort(3100);
const ownerPassword = "Demo-Passw0rd-2026";
const password = `Audit-Trail-${randomBytes(6).toString("hex")}-Xq`;
const tag = randomBytes(4).toString("hex");
const clientIp = `203.0.113.${1 + (randomBytes(1)[0]! % 250)}`;
const acme = "acme.localhost";
const globex = "globex.localhost";

interface Entry {
  seq: string;
  occurredAt: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  summary: string;
  changes: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  hash: string;
}
interface Page {
  data: Entry[];
  next_cursor: string | null;
}

let api: APIRequestContext;
const tokens: Record<"owner" | "auditor" | "viewer" | "member" | "globex", string> = { owner: "", auditor: "", viewer: "", member: "", globex: "" };
const users = { auditor: { id: "", email: "" }, viewer: { id: "", email: "" }, member: { id: "", email: "" }, subject: { id: "", email: "" } };
let startedAt: Date;

function headers(host: string, token?: string): Record<string, string> {
  return { ...onHost(host).headers, "x-forwarded-for": clientIp, ...(token ? { authorization: `Bearer ${token}` } : {}) };
}
const get = (path: string, token?: string, host = acme) => api.get(url("127.0.0.1", path), { headers: headers(host, token) });
const post = (path: string, data: unknown, token?: string, host = acme) => api.post(url("127.0.0.1", path), { headers: headers(host, token), data });
const patch = (path: string, data: unknown, token?: string, host = acme) => api.patch(url("127.0.0.1", path), { headers: headers(host, token), data });

async function json<T>(res: APIResponse, status = 200): Promise<T> {
  expect(res.status(), `${res.url()}: ${await res.text()}`).toBe(status);
  return (await res.json()) as T;
}

async function tokenFor(email: string, pw: string, host = acme): Promise<string> {
  const body = await json<{ access_token: string }>(await post("/api/v1/auth/token", { email, password: pw }, undefined, host));
  return body.access_token;
}

async function createUser(role: string, name: string): Promise<{ id: string; email: string }> {
  const email = `${name}-${tag}@acme.test`;
  const member = await json<{ id: string }>(await post("/api/v1/users", { email, name, role, password }, tokens.owner), 201);
  return { id: member.id, email };
}

/** A list query as search params (bigint cursors are strings throughout). */
async function list(params: Record<string, string>, token = tokens.auditor, host = acme): Promise<Page> {
  return json<Page>(await get(`/api/v1/audit-logs?${new URLSearchParams(params)}`, token, host));
}

test.beforeAll(async ({ playwright }) => {
  api = await playwright.request.newContext();
  startedAt = new Date(Date.now() - 60_000);
  tokens.owner = await tokenFor("owner@acme.test", ownerPassword);
  users.auditor = await createUser("admin", "auditor");
  users.viewer = await createUser("viewer", "viewer");
  users.member = await createUser("member", "member");
  users.subject = await createUser("member", "subject");
  tokens.auditor = await tokenFor(users.auditor.email, password);
  tokens.viewer = await tokenFor(users.viewer.email, password);
  tokens.member = await tokenFor(users.member.email, password);
  tokens.globex = await tokenFor("owner@globex.test", ownerPassword, globex);
});

test.afterAll(async () => {
  await api.dispose();
});

test.describe("audit log API", () => {
  test("lists newest first with filters and keyset pagination", async () => {
    for (let i = 1; i <= 4; i++) await json(await patch(`/api/v1/users/${users.subject.id}`, { name: `Subject ${i}` }, tokens.auditor));
    const filters = { action: "user.", target_type: "user", target_id: users.subject.id };

    const all = await list({ ...filters, limit: "200" });
    expect(all.next_cursor).toBeNull();
    expect(all.data.length).toBeGreaterThanOrEqual(5); // created + 4 renames
    for (const e of all.data) expect(e).toMatchObject({ targetType: "user", targetId: users.subject.id, action: expect.stringMatching(/^user\./) });
    const seqs = all.data.map((e) => BigInt(e.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))); // newest first
    expect(typeof all.data[0]!.seq).toBe("string");
    expect(all.data[0]).toMatchObject({ action: "user.updated", actorId: users.auditor.id, actorType: "user", actorLabel: users.auditor.email });
    expect(all.data[0]!.changes).toEqual({ name: { before: "Subject 3", after: "Subject 4" } });
    // Rows are sealed into the hash chain shortly after they commit (within 1 s under load).
    await expect.poll(async () => (await list({ ...filters, limit: "1" })).data[0]?.hash ?? null, { timeout: 5_000 }).toMatch(/^[0-9a-f]{64}$/);
    expect(all.data.at(-1)).toMatchObject({ action: "user.created" });
    expect(all.data.at(-1)!.changes).toMatchObject({ email: users.subject.email, role: "member", password_hash: "[redacted]" });

    // Pages of 2, following next_cursor, add up to the same rows in the same order.
    const paged: Entry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list({ ...filters, limit: "2", ...(cursor ? { cursor } : {}) });
      expect(page.data.length).toBeLessThanOrEqual(2);
      paged.push(...page.data);
      cursor = page.next_cursor;
      if (cursor) expect(cursor).toBe(page.data.at(-1)!.seq);
      pages++;
    } while (cursor && pages < 20);
    expect(paged.map((e) => e.seq)).toEqual(all.data.map((e) => e.seq));
    expect(pages).toBe(Math.ceil(all.data.length / 2));

    // Actor, free text and time range.
    const byActor = await list({ actor: users.auditor.id, actor_type: "user", limit: "200" });
    expect(byActor.data.length).toBeGreaterThanOrEqual(4);
    for (const e of byActor.data) expect(e.actorId).toBe(users.auditor.id);
    // Free text: the auditor's address is in the summaries of its token and of its changes.
    const mentioned = await list({ q: users.auditor.email, limit: "200" });
    expect(mentioned.data.length).toBeGreaterThanOrEqual(5);
    for (const e of mentioned.data) expect(e.summary.toLowerCase()).toContain(users.auditor.email);
    expect(mentioned.data.map((e) => e.action)).toContain("auth.token_issued");
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await list({ ...filters, from: future })).data).toEqual([]);
    const window = await list({ ...filters, from: startedAt.toISOString(), to: future, limit: "200" });
    expect(window.data.map((e) => e.seq)).toEqual(all.data.map((e) => e.seq));
  });

  test("filters by action prefix", async () => {
    const auth = await list({ action: "auth.", limit: "100" });
    expect(auth.data.length).toBeGreaterThan(0);
    for (const e of auth.data) expect(e.action.startsWith("auth.")).toBe(true);
    expect(auth.data.map((e) => e.action)).toContain("auth.token_issued");
    const user = await list({ action: "user.", limit: "100" });
    for (const e of user.data) expect(e.action.startsWith("user.")).toBe(true);
    const exact = await list({ action: "user.created", limit: "100" });
    expect(exact.data.map((e) => e.targetId)).toEqual(expect.arrayContaining([users.auditor.id, users.viewer.id]));
    // '_' is not a wildcard: api_key. finds api keys only.
    for (const e of (await list({ action: "api_key.", limit: "100" })).data) expect(e.action.startsWith("api_key.")).toBe(true);
  });

  test("bad query parameters are a 400 problem naming them", async () => {
    const bad = await expectProblem(await get("/api/v1/audit-logs?action=user.%25&limit=500&cursor=abc&colour=red", tokens.auditor), 400);
    const paths = (bad.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(["action", "colour", "cursor", "limit"]);
    const range = await expectProblem(await get("/api/v1/audit-logs?from=2026-02-01&to=2026-01-01", tokens.auditor), 400);
    expect(range.errors).toEqual([{ path: "to", message: "must be after from" }]);
    await expectProblem(await get("/api/v1/audit-logs/export?format=xml", tokens.auditor), 400);
    await expectProblem(await get("/api/v1/audit-logs/report?from=2026-01-01", tokens.auditor), 400);
  });

  test("verify walks the chain and finds it intact", async () => {
    const report = await json<{ ok: boolean; rowsChecked: number; startedAfterSeq: string; lastSeq: string; firstBroken?: unknown }>(
      await get("/api/v1/audit-logs/verify", tokens.auditor),
    );
    expect(report).toMatchObject({ ok: true, startedAfterSeq: "0" });
    expect(report.firstBroken).toBeUndefined();
    expect(report.rowsChecked).toBeGreaterThan(5);
    expect(BigInt(report.lastSeq)).toBeGreaterThanOrEqual(BigInt(report.rowsChecked));
  });

  test("export streams CSV and JSON Lines with the chain hashes, and is itself audited", async () => {
    const exportsBefore = (await list({ action: "audit.exported", actor: users.auditor.id, limit: "200" })).data.length;
    const from = startedAt.toISOString();

    const csv = await get(`/api/v1/audit-logs/export?format=csv&from=${encodeURIComponent(from)}`, tokens.auditor);
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8; header=present");
    expect(csv.headers()["content-disposition"]).toMatch(/^attachment; filename="audit-acme-\d{8}T\d{6}Z-now\.csv"$/);
    expect(csv.headers()["cache-control"]).toBe("no-store");
    const text = await csv.text();
    const lines = text.split("\r\n");
    expect(lines[0]).toBe(
      "seq,occurredAt,actorType,actorId,actorLabel,action,targetType,targetId,summary,changes,metadata,requestId,ip,userAgent,prevHash,hash",
    );
    const hashed = text.match(/,"[0-9a-f]{64}","[0-9a-f]{64}"\r\n/g) ?? [];
    expect(hashed.length).toBeGreaterThan(5);
    expect(text).toContain(users.subject.id);

    const afterCsv = await list({ action: "audit.exported", actor: users.auditor.id, limit: "200" });
    expect(afterCsv.data.length).toBe(exportsBefore + 1);
    expect(afterCsv.data[0]).toMatchObject({ actorType: "user", actorLabel: users.auditor.email, summary: "audit log exported as csv" });
    expect(afterCsv.data[0]!.metadata).toMatchObject({ format: "csv", from: new Date(from).toISOString(), to: null });

    const jsonl = await get(`/api/v1/audit-logs/export?format=jsonl&from=${encodeURIComponent(from)}`, tokens.auditor);
    expect(jsonl.status()).toBe(200);
    expect(jsonl.headers()["content-type"]).toBe("application/jsonl; charset=utf-8");
    expect(jsonl.headers()["content-disposition"]).toMatch(/^attachment; filename="audit-acme-.+\.jsonl"$/);
    const rows = (await jsonl.text()).split("\n").filter(Boolean);
    expect(JSON.parse(rows[0]!)).toMatchObject({ export: { tenant: "acme", format: "jsonl" } });
    const row = JSON.parse(rows[1]!) as { prevHash: string; hash: string };
    expect(row.prevHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    const seal = JSON.parse(rows.at(-1)!) as { seal: { tenant: string; rows: number; lastHash: string } };
    expect(seal.seal).toMatchObject({ tenant: "acme", rows: rows.length - 2 });
    // An auditor can check it offline: hashes, links and seal.
    const verified = await verifyExportLines(rows);
    expect(verified, verified.problem).toMatchObject({ ok: true, rows: rows.length - 2 });
    // The export recorded itself before streaming, so it is in its own output.
    expect(rows.some((l) => l.includes('"action":"audit.exported"'))).toBe(true);
    expect((await list({ action: "audit.exported", actor: users.auditor.id, limit: "200" })).data.length).toBe(exportsBefore + 2);
  });

  test("report: counts, failures, denials and changes to roles and API keys", async () => {
    // Material for the report: a failed sign-in, a denial, a role change, an API key made and revoked.
    await expectProblem(await post("/api/v1/auth/token", { email: users.member.email, password: "not-the-password" }), 401);
    await expectProblem(await get("/api/v1/audit-logs/report", tokens.member), 403);
    await json(await patch(`/api/v1/users/${users.subject.id}`, { role: "viewer" }, tokens.auditor));
    const key = await json<{ id: string }>(await post("/api/v1/api-keys", { name: `report key ${tag}`, scopes: ["members:read"] }, tokens.auditor), 201);
    expect((await api.delete(url("127.0.0.1", `/api/v1/api-keys/${key.id}`), { headers: headers(acme, tokens.auditor) })).status()).toBe(204);

    const to = new Date(Date.now() + 60_000).toISOString();
    const report = await json<ComplianceReport>(
      await get(`/api/v1/audit-logs/report?${new URLSearchParams({ from: startedAt.toISOString(), to })}`, tokens.auditor),
    );
    expect(report.from).toBe(startedAt.toISOString());
    expect(report.totalEvents).toBe(report.byAction.reduce((n, a) => n + a.count, 0));
    expect(report.byAction.find((a) => a.action === "auth.token_issued")?.count).toBeGreaterThanOrEqual(4);
    expect(report.byActor.find((a) => a.actorId === users.auditor.id)).toMatchObject({ actorType: "user", actorLabel: users.auditor.email });
    expect(report.signInFailures).toBeGreaterThanOrEqual(1);
    expect(report.permissionDenials).toBeGreaterThanOrEqual(1);
    expect(report.lockouts).toEqual(expect.any(Number));

    const roleChange = report.changes.roles.find((c) => c.action === "user.updated" && c.targetId === users.subject.id);
    expect(roleChange?.changes).toEqual({ role: { before: "member", after: "viewer" } });
    // Renames of the same user are not role changes; new members are.
    expect(report.changes.roles.filter((c) => c.action === "user.updated" && c.targetId === users.subject.id)).toHaveLength(1);
    expect(report.changes.roles.filter((c) => c.action === "user.created").map((c) => c.targetId)).toEqual(
      expect.arrayContaining([users.auditor.id, users.viewer.id, users.member.id, users.subject.id]),
    );
    const keyChanges = report.changes.apiKeys.filter((c) => c.targetId === key.id);
    expect(keyChanges.map((c) => c.action)).toEqual(["api_key.updated", "api_key.created"]);
    expect(keyChanges[0]!.changes).toMatchObject({ revoked_at: { before: null } });
    expect(keyChanges[1]!.changes).toMatchObject({ name: `report key ${tag}`, key_hash: "[redacted]" });
  });
});

test.describe("audit API access", () => {
  const endpoints = [
    "/api/v1/audit-logs",
    "/api/v1/audit-logs/verify",
    "/api/v1/audit-logs/export?format=csv",
    `/api/v1/audit-logs/report?from=2026-01-01&to=2099-01-01`,
  ];

  test("needs audit:read: viewers and members get 403, no credentials 401", async () => {
    for (const path of endpoints) {
      const viewer = await expectProblem(await get(path, tokens.viewer), 403);
      expect(viewer.reason).toBe("permission_denied");
      await expectProblem(await get(path, tokens.member), 403);
      const anonymous = await expectProblem(await get(path), 401);
      expect(anonymous.reason).toBe("unauthenticated");
    }
    // Each denial is itself audited.
    const denials = await list({ action: "auth.permission_denied", actor: users.viewer.id, limit: "200" });
    expect(denials.data.length).toBeGreaterThanOrEqual(endpoints.length);
    expect(denials.data[0]!.summary).toContain("audit:read");
  });

  test("an API key needs the audit:read scope", async () => {
    const withScope = await json<{ key: string }>(await post("/api/v1/api-keys", { name: `audit reader ${tag}`, scopes: ["audit:read"] }, tokens.auditor), 201);
    const without = await json<{ key: string }>(
      await post("/api/v1/api-keys", { name: `members reader ${tag}`, scopes: ["members:read"] }, tokens.auditor),
      201,
    );
    const page = await json<Page>(await get("/api/v1/audit-logs?limit=1", withScope.key));
    expect(page.data).toHaveLength(1);
    await expectProblem(await get("/api/v1/audit-logs?limit=1", without.key), 403);
  });

  test("answers the CORS preflight", async () => {
    for (const path of endpoints) {
      const res = await api.fetch(url("127.0.0.1", path), {
        method: "OPTIONS",
        headers: { ...headers(acme), origin: "https://elsewhere.example", "access-control-request-method": "GET" },
      });
      expect(res.status()).toBe(204);
      expect(res.headers()["access-control-allow-origin"]).toBeUndefined();
    }
  });

  test("cross-tenant: globex's token is refused on acme, and acme's rows never show in globex", async () => {
    for (const path of endpoints) await expectProblem(await get(path, tokens.globex, acme), 401);
    await expectProblem(await get("/api/v1/audit-logs", tokens.auditor, globex), 401);

    // A distinctive acme row: the token issued to the auditor names its address.
    const marker = users.auditor.email;
    expect((await list({ q: marker })).data.length).toBeGreaterThan(0);
    expect((await list({ q: marker }, tokens.globex, globex)).data).toEqual([]);
    expect((await list({ target_id: users.auditor.id }, tokens.globex, globex)).data).toEqual([]);
    expect((await list({ actor: users.auditor.id }, tokens.globex, globex)).data).toEqual([]);
    const globexRows = await list({ limit: "200" }, tokens.globex, globex);
    expect(globexRows.data.length).toBeGreaterThan(0);
    for (const e of globexRows.data) {
      expect(JSON.stringify(e)).not.toContain("@acme.test");
    }
    const globexExport = await get("/api/v1/audit-logs/export?format=jsonl", tokens.globex, globex);
    expect(globexExport.status()).toBe(200);
    const exported = await globexExport.text();
    expect(exported).not.toContain("@acme.test");
    expect(JSON.parse(exported.split("\n")[0]!)).toMatchObject({ export: { tenant: "globex" } });
    const globexReport = await json<{ byActor: { actorId: string | null }[] }>(
      await get("/api/v1/audit-logs/report?from=2000-01-01&to=2100-01-01", tokens.globex, globex),
    );
    expect(globexReport.byActor.map((a) => a.actorId)).not.toContain(users.auditor.id);
  });
});

test.describe("audit pages", () => {
  test.use({ extraHTTPHeaders: { "x-forwarded-for": clientIp } });

  async function signIn(page: import("@playwright/test").Page, email: string) {
    await page.goto(url(acme, "/sign-in"));
    await page.getByLabel(/email/i).fill(email);
    await page.getByLabel(/password/i).fill(password);
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
  }

  test("the audit log: filter by action prefix, diffs, actor and target links, paging, verify, export", async ({ page }) => {
    // A rename to look at.
    await json(await patch(`/api/v1/users/${users.viewer.id}`, { name: `Renamed ${tag}` }, tokens.auditor));
    await signIn(page, users.auditor.email);

    await page.goto(url(acme, "/audit"));
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await expect(page.getByTestId("audit-row").first()).toBeVisible();

    // The filter form is a GET form: the query string carries the filters.
    await page.getByLabel("Action (prefix)").fill("user.");
    await page.getByLabel("Target id").fill(users.viewer.id);
    await page.getByTestId("audit-filter-submit").click();
    await page.waitForURL(/action=user\./);
    expect(new URL(page.url()).searchParams.get("target_id")).toBe(users.viewer.id);
    const rows = page.getByTestId("audit-row");
    await expect(rows.first()).toBeVisible();
    for (const action of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-action")))) expect(action).toMatch(/^user\./);

    // The newest is the rename: a readable before -> after.
    const newest = rows.first();
    await expect(newest).toHaveAttribute("data-action", "user.updated");
    const field = newest.locator('[data-testid="audit-diff-field"][data-field="name"]');
    await expect(field.getByTestId("audit-diff-before")).toHaveText("viewer");
    await expect(field.getByTestId("audit-diff-after")).toHaveText(`Renamed ${tag}`);
    // Links: the actor (a user) to members, the target to its page.
    await expect(newest.getByTestId("audit-actor-link")).toHaveText(users.auditor.email);
    await expect(newest.getByTestId("audit-actor-link")).toHaveAttribute("href", `/members#member-${users.auditor.id}`);
    await expect(newest.getByTestId("audit-target-link")).toHaveAttribute("href", `/members#member-${users.viewer.id}`);
    // The oldest is the creation: its values, password redacted.
    const created = page.locator('[data-testid="audit-row"][data-action="user.created"]');
    await expect(created.locator('[data-testid="audit-value-field"][data-field="email"]')).toContainText(users.viewer.email);
    await expect(created.locator('[data-testid="audit-value-field"][data-field="password_hash"]')).toContainText("redacted");

    // Pages of one row, through the cursor links.
    await page.goto(url(acme, `/audit?action=user.&target_id=${users.viewer.id}&limit=25`));
    const total = await page.getByTestId("audit-row").count();
    expect(total).toBeGreaterThanOrEqual(2);
    await page.goto(url(acme, `/audit?action=user.&target_id=${users.viewer.id}&limit=1`)); // not offered in the form, but valid
    const seen: string[] = [];
    for (let i = 0; i < total; i++) {
      await expect(page.getByTestId("audit-row")).toHaveCount(1);
      seen.push((await page.getByTestId("audit-row").getAttribute("data-seq"))!);
      if (i < total - 1) await page.getByTestId("audit-older").click();
    }
    await expect(page.getByTestId("audit-older")).toHaveCount(0);
    expect(new Set(seen).size).toBe(total);
    await page.getByTestId("audit-newest").click();
    await expect(page.getByTestId("audit-row")).toHaveAttribute("data-seq", seen[0]!);

    // Verify.
    await page.getByTestId("audit-verify-button").click();
    await expect(page.getByTestId("audit-verify-result")).toHaveAttribute("data-ok", "true");
    await expect(page.getByTestId("audit-verify-result")).toContainText("Chain intact");

    // Export links download through the session, and are audited with the user as actor.
    const csvHref = await page.getByTestId("audit-export-csv").getAttribute("href");
    expect(csvHref).toBe("/audit/export?format=csv");
    // Fetched by the page itself: same origin, with the session cookie.
    const fetchIn = (href: string) =>
      page.evaluate(async (h) => {
        const r = await fetch(h);
        return { status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"), text: await r.text() };
      }, href);
    const download = await fetchIn(csvHref!);
    expect(download.status).toBe(200);
    expect(download.type).toMatch(/^text\/csv/);
    expect(download.disposition).toMatch(/^attachment; filename="audit-acme-/);
    expect(download.text).toMatch(/^seq,occurredAt,/);
    const jsonlHref = await page.getByTestId("audit-export-jsonl").getAttribute("href");
    const jsonl = await fetchIn(jsonlHref!);
    expect(jsonl.type).toMatch(/^application\/jsonl/);
    expect((await verifyExportLines(jsonl.text.split("\n").filter(Boolean))).ok).toBe(true);
    const audited = await list({ action: "audit.exported", actor: users.auditor.id, limit: "5" });
    expect(audited.data[0]).toMatchObject({ actorLabel: users.auditor.email, metadata: { format: "jsonl" } });
  });

  test("the compliance report page lists role changes for the period", async ({ page }) => {
    await json(await patch(`/api/v1/users/${users.member.id}`, { role: "viewer" }, tokens.auditor));
    await json(await patch(`/api/v1/users/${users.member.id}`, { role: "member" }, tokens.auditor));
    await signIn(page, users.auditor.email);
    await page.goto(url(acme, "/audit/report"));
    await expect(page.getByRole("heading", { level: 1, name: "Compliance report" })).toBeVisible();
    expect(Number(await page.getByTestId("report-total").textContent())).toBeGreaterThan(0);
    const roles = page.getByTestId("report-roles");
    const change = roles.locator('[data-testid="report-change"][data-action="user.updated"]').filter({ hasText: users.member.id }).first();
    await expect(change.locator('[data-field="role"] [data-testid="audit-diff-before"]')).toHaveText("viewer");
    await expect(change.locator('[data-field="role"] [data-testid="audit-diff-after"]')).toHaveText("member");
    await expect(page.getByTestId("report-by-action")).toContainText("auth.token_issued");

    // A period with nothing in it.
    await page.goto(url(acme, "/audit/report?from=2001-01-01T00:00&to=2001-01-02T00:00"));
    await expect(page.getByTestId("report-total")).toHaveText("0");
    await expect(page.getByTestId("report-roles")).toContainText("None in this period.");
  });

  test("a viewer gets the 403 page, and signed-out visitors go to sign-in", async ({ page, browser }) => {
    const anonymous = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": clientIp } });
    const visitor = await anonymous.newPage();
    await visitor.goto(url(acme, "/audit"));
    await expect(visitor).toHaveURL(/\/sign-in/);
    await anonymous.close();

    await signIn(page, users.viewer.email);
    const res = await page.goto(url(acme, "/audit"));
    expect(res?.status()).toBe(403);
    await expect(page.getByTestId("forbidden")).toBeVisible();
    const report = await page.goto(url(acme, "/audit/report"));
    expect(report?.status()).toBe(403);
    const exported = await page.evaluate(async () => {
      const r = await fetch("/audit/export?format=csv");
      return { status: r.status, text: await r.text() };
    });
    expect(exported.status).toBe(403);
    expect(exported.text).not.toMatch(/^seq,/);
  });

  test("globex's audit page shows nothing of acme", async ({ browser }) => {
    // A globex admin with a password of our own, made through the API with globex's owner.
    const email = `auditor-${tag}@globex.test`;
    await json(await post("/api/v1/users", { email, name: "Globex auditor", role: "admin", password }, tokens.globex, globex), 201);
    const ctx = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": clientIp } });
    const p = await ctx.newPage();
    await p.goto(url(globex, "/sign-in"));
    await p.getByLabel(/email/i).fill(email);
    await p.getByLabel(/password/i).fill(password);
    await p.getByRole("button", { name: /sign in/i }).click();
    await p.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
    await p.goto(url(globex, `/audit?limit=200`));
    await expect(p.getByTestId("audit-row").first()).toBeVisible();
    await expect(p.locator("main")).not.toContainText("@acme.test");
    await p.goto(url(globex, `/audit?q=${encodeURIComponent(users.auditor.email)}`));
    await expect(p.getByTestId("audit-empty")).toBeVisible();
    await ctx.close();
  });
});
