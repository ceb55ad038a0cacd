// lib/env.ts: configuration is parsed once with zod, and a missing or malformed
// variable is reported by name. Every test starts from a known environment and
// restores the real one afterwards (the cache is reset both times).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { edgeEnv, EnvError, resetEnvCache, serverEnv, toolingEnv } from "@/lib/env";

const saved = { ...process.env };

const managed = [
  "NODE_ENV",
  "DATABASE_URL",
  "DB_POOL_MAX",
  "TENANT_CLIENT_CACHE_SIZE",
  "MIGRATION_CONCURRENCY",
  "REDIS_URL",
  "INNGEST_BASE_URL",
  "PORT",
  "REDIS_BRIDGE_PORT",
  "REDIS_BRIDGE_HOST",
  "AUDIT_ARCHIVE_DIR",
  "LOG_SQL",
  "APP_ROOT_DOMAIN",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "REDIS_KEY_PREFIX",
  "AUTH_SECRET",
  "ENCRYPTION_KEYS",
  "AUTH_JWT_KEYS",
  "AUTH_SECURE_COOKIES",
  "REDIS_TIMEOUT_MS",
  "RATELIMIT_TIMEOUT_MS",
  "TRUSTED_PROXY_HOPS",
  "INTEGRATIONS_ALLOWED_HOSTS",
  "INTEGRATIONS_ALLOW_PRIVATE_NETWORKS",
  "INBOX_REDISPATCH_AFTER_SECONDS",
];

const validSecrets = {
  AUTH_SECRET: "a".repeat(32),
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
};

const validToken = "0123456789abcdef0123";

/** Sets exactly these managed variables (others unset, valid auth secrets unless given) and clears the cache. */
function setEnv(values: Record<string, string>): void {
  for (const key of managed) delete process.env[key];
  Object.assign(process.env, validSecrets, values);
  resetEnvCache();
}

/** The EnvError thrown by fn; fails the test when fn does not throw one. */
function envErrorOf(fn: () => unknown): EnvError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return err as EnvError;
  }
  throw new Error("expected an EnvError, but nothing was thrown");
}

beforeEach(() => setEnv({ DATABASE_URL: "postgresql://user@db.internal:5432/app", ...validSecrets }));

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  resetEnvCache();
});

describe("serverEnv", () => {
  it("applies the defaults", () => {
    const env = serverEnv();
    expect(env).toMatchObject({
      NODE_ENV: "development",
      DATABASE_URL: "postgresql://user@db.internal:5432/app",
      DB_POOL_MAX: 10,
      TENANT_CLIENT_CACHE_SIZE: 5_000,
      MIGRATION_CONCURRENCY: 8,
      REDIS_URL: "redis://127.0.0.1:6379",
      LOG_SQL: false,
      APP_ROOT_DOMAIN: "localhost",
    });
    expect(env.UPSTASH_REDIS_REST_URL).toBeUndefined();
    expect(env.UPSTASH_REDIS_REST_TOKEN).toBeUndefined();
    expect(env.INNGEST_BASE_URL).toBeUndefined();
  });

  it("parses and coerces the values that are set", () => {
    setEnv({
      NODE_ENV: "production",
      DATABASE_URL: "postgres://u:p@h/db",
      DB_POOL_MAX: "25",
      TENANT_CLIENT_CACHE_SIZE: "7",
      MIGRATION_CONCURRENCY: "3",
      REDIS_URL: "rediss://cache.internal:6380",
      LOG_SQL: "1",
      APP_ROOT_DOMAIN: "platform.example.com",
      UPSTASH_REDIS_REST_URL: "https://redis.example.com",
      UPSTASH_REDIS_REST_TOKEN: validToken,
    });
    expect(serverEnv()).toMatchObject({
      NODE_ENV: "production",
      DATABASE_URL: "postgres://u:p@h/db",
      DB_POOL_MAX: 25,
      TENANT_CLIENT_CACHE_SIZE: 7,
      MIGRATION_CONCURRENCY: 3,
      REDIS_URL: "rediss://cache.internal:6380",
      LOG_SQL: true,
      APP_ROOT_DOMAIN: "platform.example.com",
      UPSTASH_REDIS_REST_URL: "https://redis.example.com",
      UPSTASH_REDIS_REST_TOKEN: validToken,
    });
  });

  it("is parsed once: later changes need resetEnvCache()", () => {
    const first = serverEnv();
    process.env.DB_POOL_MAX = "42";
    expect(serverEnv()).toBe(first);
    expect(serverEnv().DB_POOL_MAX).toBe(10);
    resetEnvCache();
    expect(serverEnv().DB_POOL_MAX).toBe(42);
  });

  it("refuses a missing DATABASE_URL, naming it", () => {
    setEnv({});
    const err = envErrorOf(() => serverEnv());
    expect(err.name).toBe("EnvError");
    expect(err.message).toMatch(/DATABASE_URL: is required/);
  });

  it("INBOX_REDISPATCH_AFTER_SECONDS: 5 minutes by default, 1 s to a day, named when bad", () => {
    expect(serverEnv().INBOX_REDISPATCH_AFTER_SECONDS).toBe(300);
    setEnv({ DATABASE_URL: "postgresql://user@db.internal:5432/app", INBOX_REDISPATCH_AFTER_SECONDS: "2" });
    expect(serverEnv().INBOX_REDISPATCH_AFTER_SECONDS).toBe(2);
    setEnv({ DATABASE_URL: "postgresql://user@db.internal:5432/app", INBOX_REDISPATCH_AFTER_SECONDS: "0" });
    expect(envErrorOf(() => serverEnv()).message).toContain("INBOX_REDISPATCH_AFTER_SECONDS");
  });

  it("treats an empty string as unset", () => {
    setEnv({ DATABASE_URL: "" });
    expect(envErrorOf(() => serverEnv()).message).toMatch(/DATABASE_URL: is required/);
    setEnv({ DATABASE_URL: "postgresql://h/db", DB_POOL_MAX: "" });
    expect(serverEnv().DB_POOL_MAX).toBe(10);
  });

  it("refuses a DATABASE_URL that is not PostgreSQL", () => {
    for (const url of ["mysql://x", "localhost:5432/db", "http://postgres/db"]) {
      setEnv({ DATABASE_URL: url });
      expect(envErrorOf(() => serverEnv()).message).toMatch(/DATABASE_URL: must be a postgresql:\/\/ connection URL/);
    }
  });

  it.each([
    ["DB_POOL_MAX", "abc"],
    ["DB_POOL_MAX", "0"],
    ["DB_POOL_MAX", "1.5"],
    ["TENANT_CLIENT_CACHE_SIZE", "-1"],
    ["MIGRATION_CONCURRENCY", "65"],
    ["REDIS_URL", "http://127.0.0.1:6379"],
    ["LOG_SQL", "yes"],
    ["NODE_ENV", "staging"],
    ["INNGEST_BASE_URL", "not a url"],
  ])("refuses %s=%s, naming the variable", (name, value) => {
    setEnv({ DATABASE_URL: "postgresql://h/db", [name]: value });
    const message = envErrorOf(() => serverEnv()).message;
    expect(message).toContain(`  ${name}: `);
    // Only the bad variable is reported.
    expect(message.split("\n")).toHaveLength(2);
  });

  it("lists every bad variable in one error", () => {
    setEnv({ DB_POOL_MAX: "x", LOG_SQL: "maybe" });
    const message = envErrorOf(() => serverEnv()).message;
    expect(message).toMatch(/^Invalid environment configuration:/);
    expect(message).toContain("DATABASE_URL:");
    expect(message).toContain("DB_POOL_MAX:");
    expect(message).toContain("LOG_SQL:");
  });

  it("includes the edge variables and their errors", () => {
    setEnv({ DATABASE_URL: "postgresql://h/db", APP_ROOT_DOMAIN: "Example.com" });
    expect(envErrorOf(() => serverEnv()).message).toMatch(/APP_ROOT_DOMAIN: must be a bare hostname/);
  });
});

describe("INTEGRATIONS_ALLOWED_HOSTS", () => {
  it("is empty by default: the SSRF guard has no exception", () => {
    expect(serverEnv().INTEGRATIONS_ALLOWED_HOSTS).toEqual([]);
  });

  it("parses host:port pairs into the keys the guard compares, normalising the host", () => {
    setEnv({
      DATABASE_URL: "postgresql://h/db",
      INTEGRATIONS_ALLOWED_HOSTS: "127.0.0.1:18081, LocalHost:18082,[::1]:80,2130706433:18083,api.test:443",
    });
    expect(serverEnv().INTEGRATIONS_ALLOWED_HOSTS).toEqual(["127.0.0.1:18081", "localhost:18082", "[::1]:80", "127.0.0.1:18083", "api.test:443"]);
  });

  it("refuses entries that are not host:port, naming the variable and the entry", () => {
    for (const bad of ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "http://127.0.0.1:80", "user@127.0.0.1:80", "127.0.0.1:80/x", "*:80", ":80"]) {
      setEnv({ DATABASE_URL: "postgresql://h/db", INTEGRATIONS_ALLOWED_HOSTS: bad });
      const err = envErrorOf(() => serverEnv());
      expect(err.message, bad).toMatch(/INTEGRATIONS_ALLOWED_HOSTS: .*is not host:port/);
    }
  });

  it("refuses the removed blanket switch INTEGRATIONS_ALLOW_PRIVATE_NETWORKS=1", () => {
    setEnv({ DATABASE_URL: "postgresql://h/db", INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: "1" });
    expect(envErrorOf(() => serverEnv()).message).toMatch(/INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: was removed/);
  });
});

describe("edgeEnv", () => {
  it("needs no server variables", () => {
    setEnv({});
    expect(edgeEnv()).toEqual({ APP_ROOT_DOMAIN: "localhost", REDIS_KEY_PREFIX: "", REDIS_TIMEOUT_MS: 750, RATELIMIT_TIMEOUT_MS: 250, LOG_LEVEL: "info" });
  });

  it("refuses a Redis timeout outside 50-10000 ms, naming it", () => {
    setEnv({ RATELIMIT_TIMEOUT_MS: "5" });
    expect(envErrorOf(() => edgeEnv()).message).toContain("RATELIMIT_TIMEOUT_MS");
  });

  it("refuses a REDIS_KEY_PREFIX with characters outside the safe set, naming it", () => {
    setEnv({ REDIS_KEY_PREFIX: "bad prefix*" });
    expect(envErrorOf(() => edgeEnv()).message).toContain("REDIS_KEY_PREFIX");
  });

  it.each(["Example.com", "example.com/app", "https://example.com", "example.com:3000", "exa mple.com"])("refuses APP_ROOT_DOMAIN=%s, naming it", (value) => {
    setEnv({ APP_ROOT_DOMAIN: value });
    expect(envErrorOf(() => edgeEnv()).message).toMatch(/APP_ROOT_DOMAIN: must be a bare hostname/);
  });

  it("refuses an Upstash URL without a token and a token without a URL", () => {
    setEnv({ UPSTASH_REDIS_REST_URL: "https://redis.example.com" });
    expect(envErrorOf(() => edgeEnv()).message).toMatch(/UPSTASH_REDIS_REST_TOKEN: set both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or neither/);
    setEnv({ UPSTASH_REDIS_REST_TOKEN: validToken });
    expect(envErrorOf(() => edgeEnv()).message).toMatch(/UPSTASH_REDIS_REST_TOKEN: set both/);
  });

  it("refuses a malformed Upstash URL or a short token, naming the variable", () => {
    setEnv({ UPSTASH_REDIS_REST_URL: "not a url", UPSTASH_REDIS_REST_TOKEN: validToken });
    expect(envErrorOf(() => edgeEnv()).message).toContain("UPSTASH_REDIS_REST_URL: ");
    setEnv({ UPSTASH_REDIS_REST_URL: "https://redis.example.com", UPSTASH_REDIS_REST_TOKEN: "short" });
    expect(envErrorOf(() => edgeEnv()).message).toMatch(/UPSTASH_REDIS_REST_TOKEN: must be at least 16 characters/);
  });
});

describe("toolingEnv", () => {
  it("needs no DATABASE_URL, applies defaults and re-reads process.env on every call", () => {
    setEnv({});
    expect(toolingEnv()).toMatchObject({ PORT: 3000, REDIS_BRIDGE_PORT: 8079, REDIS_BRIDGE_HOST: "127.0.0.1", REDIS_URL: "redis://127.0.0.1:6379" });
    expect(toolingEnv().DATABASE_URL).toBeUndefined();
    process.env.PORT = "3999";
    expect(toolingEnv().PORT).toBe(3999);
  });

  it("accepts a bridge token without a REST URL (the bridge is given only the token)", () => {
    setEnv({ UPSTASH_REDIS_REST_TOKEN: validToken });
    expect(toolingEnv().UPSTASH_REDIS_REST_TOKEN).toBe(validToken);
  });

  it("refuses malformed ports and URLs, naming the variable", () => {
    setEnv({ REDIS_BRIDGE_PORT: "70000" });
    expect(envErrorOf(() => toolingEnv()).message).toContain("REDIS_BRIDGE_PORT");
    setEnv({ DATABASE_URL: "mysql://x" });
    expect(envErrorOf(() => toolingEnv()).message).toContain("DATABASE_URL");
  });
});

describe("authentication secrets", () => {
  const base = { DATABASE_URL: "postgresql://user@db.internal:5432/app" };

  it("requires AUTH_SECRET of 32+ characters and ENCRYPTION_KEYS, naming them", () => {
    setEnv(base);
    delete process.env.AUTH_SECRET;
    delete process.env.ENCRYPTION_KEYS;
    resetEnvCache();
    const message = envErrorOf(() => serverEnv()).message;
    expect(message).toMatch(/AUTH_SECRET: is required/);
    expect(message).toMatch(/ENCRYPTION_KEYS: is required/);
    setEnv({ ...base, ...validSecrets, AUTH_SECRET: "short" });
    expect(envErrorOf(() => serverEnv()).message).toMatch(/AUTH_SECRET: must be at least 32 characters/);
  });

  it("parses key lists newest first and refuses malformed ones without echoing the secret", () => {
    const key2 = Buffer.alloc(32, 9).toString("base64");
    setEnv({
      ...base,
      ...validSecrets,
      ENCRYPTION_KEYS: `k2:${key2},${validSecrets.ENCRYPTION_KEYS}`,
      AUTH_JWT_KEYS: `new:${"n".repeat(32)},old:${"o".repeat(32)}`,
    });
    expect(serverEnv().ENCRYPTION_KEYS.map((k) => k.kid)).toEqual(["k2", "k1"]);
    expect(serverEnv().AUTH_JWT_KEYS?.map((k) => k.kid)).toEqual(["new", "old"]);
    for (const bad of ["k1", "k1:tooshort", `k1:${key2},k1:${key2}`, `bad kid:${key2}`]) {
      setEnv({ ...base, ...validSecrets, ENCRYPTION_KEYS: bad });
      const message = envErrorOf(() => serverEnv()).message;
      expect(message).toMatch(/ENCRYPTION_KEYS/);
      expect(message).not.toContain(key2);
    }
    setEnv({ ...base, ...validSecrets, AUTH_JWT_KEYS: "k1:short" });
    expect(envErrorOf(() => serverEnv()).message).toMatch(/AUTH_JWT_KEYS must be kid:secret pairs/);
  });
});
