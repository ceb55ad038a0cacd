// scripts/lib/dev-env.ts: what `npm run dev` leaves for the CLIs, and how they read it.
// The environment always wins; a file from a stopped stack, or one aimed at another
// database than the environment's, is not used; values never reach stderr.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { applyDevEnv, devEnvFile, writeDevEnv } from "../scripts/lib/dev-env";

let dir: string;
const saved = process.env.DEV_DATA_DIR;
const stack = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:54329/platform",
  REDIS_URL: "redis://127.0.0.1:6379",
  UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8079",
  UPSTASH_REDIS_REST_TOKEN: "bridge-token-0123456789",
  AUTH_SECRET: "s".repeat(40),
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}`,
  UNRELATED: "not written",
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "dev-env-"));
  process.env.DEV_DATA_DIR = dir;
  resetEnvCache();
});

afterEach(() => {
  if (saved === undefined) delete process.env.DEV_DATA_DIR;
  else process.env.DEV_DATA_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe("dev-env.json", () => {
  it("is written mode 0600 with the stack's settings only, and removed by its writer", () => {
    const remove = writeDevEnv(stack);
    const file = devEnvFile();
    expect(file).toBe(path.join(dir, "dev-env.json"));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const env: Record<string, string | undefined> = {};
    const { applied } = applyDevEnv(env);
    expect(applied.sort()).toEqual(["AUTH_SECRET", "DATABASE_URL", "ENCRYPTION_KEYS", "REDIS_URL", "UPSTASH_REDIS_REST_TOKEN", "UPSTASH_REDIS_REST_URL"]);
    expect(env.UNRELATED).toBeUndefined();
    remove();
    expect(() => statSync(file)).toThrow();
  });

  it("fills only what the environment leaves unset, and says where from without values", () => {
    writeDevEnv(stack);
    const env: Record<string, string | undefined> = { REDIS_URL: "redis://elsewhere:6379", AUTH_SECRET: "" };
    const { applied, note } = applyDevEnv(env);
    expect(env.REDIS_URL).toBe("redis://elsewhere:6379");
    expect(env.AUTH_SECRET).toBe(stack.AUTH_SECRET); // empty counts as unset
    expect(applied).not.toContain("REDIS_URL");
    expect(note).toMatch(/DATABASE_URL.* from .*dev-env\.json \(the running npm run dev, pid \d+\)/);
    expect(note).not.toContain(stack.AUTH_SECRET);
    expect(note).not.toContain(stack.UPSTASH_REDIS_REST_TOKEN);
  });

  it("is not used at all when the environment points at another database", () => {
    writeDevEnv(stack);
    const env: Record<string, string | undefined> = { DATABASE_URL: "postgresql://prod.internal/platform" };
    expect(applyDevEnv(env).applied).toEqual([]);
    expect(env.ENCRYPTION_KEYS).toBeUndefined();
    // The same database as the stack's: the rest comes from the file.
    const same: Record<string, string | undefined> = { DATABASE_URL: stack.DATABASE_URL };
    expect(applyDevEnv(same).applied).toContain("ENCRYPTION_KEYS");
  });

  it("ignores a file left by a stack that is no longer running, or one that is not a dev-env file", async () => {
    const dead = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ["-e", ""]);
      child.on("exit", () => resolve(child.pid!));
    });
    writeFileSync(devEnvFile(), JSON.stringify({ pid: dead, writtenAt: new Date().toISOString(), env: { DATABASE_URL: stack.DATABASE_URL } }));
    const env: Record<string, string | undefined> = {};
    const result = applyDevEnv(env);
    expect(result.applied).toEqual([]);
    expect(result.note).toMatch(/no longer running/);
    writeFileSync(devEnvFile(), "{not json");
    expect(applyDevEnv(env).note).toMatch(/could not be read/);
    writeFileSync(devEnvFile(), JSON.stringify({ env: { EVIL: "x" } }));
    expect(applyDevEnv(env).note).toMatch(/not a dev environment file/);
    expect(env).toEqual({});
  });
});
