import { describe, expect, it } from "vitest";
import { diffSchemas } from "../lib/db/schema-diff";

const base = `
datasource db {
  provider = "postgresql"
}

enum Kind {
  a
  b

  @@map("kind")
}

model Widget {
  id   String @id @db.Uuid
  name String @unique
  kind Kind   @default(a)

  @@map("widgets")
}
`;
const withColumn = base.replace("kind Kind   @default(a)", "kind Kind   @default(a)\n  note String?");

// First call instantiates the 5 MB wasm module; allow for a slow machine.
describe("diffSchemas", { timeout: 30_000 }, () => {
  it("creates everything when diffing from nothing", async () => {
    const sql = await diffSchemas(null, base);
    expect(sql).toMatch(/CREATE TYPE "kind" AS ENUM/);
    expect(sql).toMatch(/CREATE TABLE "widgets"/);
    expect(sql).toMatch(/CREATE UNIQUE INDEX "widgets_name_key" ON "widgets"\("name"\)/);
    expect(sql).not.toMatch(/"public"\.|CREATE SCHEMA/);
  });

  it("returns an empty string when nothing changed", async () => {
    expect(await diffSchemas(base, base)).toBe("");
  });

  it("adds a column with ALTER TABLE", async () => {
    const sql = await diffSchemas(base, withColumn);
    expect(sql).toMatch(/ALTER TABLE "widgets" ADD COLUMN\s+"note" TEXT/);
    expect(sql).not.toMatch(/CREATE TABLE|"public"\./);
  });

  it("ignores generator blocks", async () => {
    const withGenerator = `generator client {\n  provider = "prisma-client"\n  output = "./x"\n}\n${base}`;
    expect(await diffSchemas(base, withGenerator)).toBe("");
  });
});
