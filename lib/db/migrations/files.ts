// Reads migration SQL files from prisma/migrations/<kind>/ in name order, with a
// SHA-256 checksum of each file's exact bytes.
import { sha256Hex } from "@/lib/crypto/compare";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export type MigrationKind = "platform" | "tenant";

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

const fileNamePattern = /^\d{14}_[a-z0-9_]+\.sql$/;

export function migrationsDir(kind: MigrationKind, root = process.cwd()): string {
  return path.join(root, "prisma", "migrations", kind);
}

export function checksumOf(sql: string): string {
  return sha256Hex(sql);
}

export function loadMigrations(kind: MigrationKind, dir = migrationsDir(kind)): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => fileNamePattern.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), "utf8");
      return { name: file.replace(/\.sql$/, ""), sql, checksum: checksumOf(sql) };
    });
}
