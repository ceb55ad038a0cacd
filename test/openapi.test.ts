// The OpenAPI description (lib/openapi): every route under app/api/v1 is described with
// each method it exports (and nothing that does not exist), and the document is valid
// OpenAPI 3.1 by the specification's own JSON schema.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createMemberInput } from "@/lib/members/members";
import { openApiDocument } from "@/lib/openapi/document";
import { repoRoot } from "./support/cli";

const apiRoot = path.join(repoRoot, "app/api/v1");
const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route file under app/api/v1 as `/api/v1/...` with `{param}` segments, and the methods it exports. */
function routes(): { path: string; methods: string[]; file: string }[] {
  const out: { path: string; methods: string[]; file: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") {
        const rel = path.relative(apiRoot, dir).split(path.sep).filter(Boolean);
        const source = readFileSync(full, "utf8");
        const exported = methods.filter((m) => new RegExp(`export\\s+(const|async\\s+function|function)\\s+${m}\\b`).test(source));
        out.push({ path: `/api/v1/${rel.map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/")}`.replace(/\/$/, ""), methods: exported, file: full });
      }
    }
  };
  walk(apiRoot);
  return out;
}

describe("the OpenAPI document", () => {
  const doc = openApiDocument();
  const found = routes();

  it("finds the routes (the walk itself works)", () => {
    expect(found.length).toBeGreaterThan(25);
    expect(found).toContainEqual(expect.objectContaining({ path: "/api/v1/users/{id}", methods: ["GET", "PATCH", "DELETE"] }));
  });

  it("describes every route under app/api/v1 with each method it exports", () => {
    const missing = found.flatMap((r) =>
      r.methods.filter((m) => !(doc.paths?.[r.path] as Record<string, unknown> | undefined)?.[m.toLowerCase()]).map((m) => `${m} ${r.path}`),
    );
    expect(missing, `describe these in lib/openapi/paths/*.ts`).toEqual([]);
  });

  it("describes nothing that no route serves", () => {
    const served = new Set(found.flatMap((r) => r.methods.map((m) => `${m.toLowerCase()} ${r.path}`)));
    const described = Object.entries(doc.paths ?? {}).flatMap(([p, item]) =>
      Object.keys(item as object)
        .filter((k) => (methods as readonly string[]).includes(k.toUpperCase()))
        .map((m) => `${m} ${p}`),
    );
    expect(described.filter((d) => !served.has(d))).toEqual([]);
  });

  it("names every path parameter of each path", () => {
    for (const [p, item] of Object.entries(doc.paths ?? {})) {
      const names = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item as Record<string, { parameters?: { in: string; name: string }[] }>)) {
        const declared = (op.parameters ?? []).filter((x) => x.in === "path").map((x) => x.name);
        expect(declared.sort(), `${method} ${p}`).toEqual([...names].sort());
      }
    }
  });

  it("is valid OpenAPI 3.1", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(JSON.parse(JSON.stringify(doc)) as Record<string, unknown>);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("would be refused if it were broken (the validator is no rubber stamp)", async () => {
    const broken = JSON.parse(JSON.stringify(doc)) as { info?: unknown; paths: Record<string, Record<string, { responses?: unknown }>> };
    delete broken.info;
    expect((await new Validator().validate(broken as unknown as Record<string, unknown>)).valid).toBe(false);
  });

  it("is generated from the schemas the routes parse", () => {
    // The body of POST /api/v1/users is createMemberInput's JSON schema, as the route's readJson parses it.
    const body = (doc.paths?.["/api/v1/users"]?.post?.requestBody as { content: Record<string, { schema: unknown }> }).content["application/json"]!.schema;
    const { $schema, ...expected } = z.toJSONSchema(createMemberInput, { io: "input", target: "draft-2020-12" });
    expect($schema).toContain("2020-12");
    expect(body).toEqual(expected);
  });
});
