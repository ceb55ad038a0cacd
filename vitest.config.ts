import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Same as tsconfig's "@/*" paths. A string key only matches "@" and "@/...",
    // so scoped packages like @upstash/redis are unaffected.
    alias: { "@": fileURLToPath(new URL("./", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30000,
    pool: "forks",
    // Test files share local services (Postgres, Redis); run them one at a time.
    fileParallelism: false,
  },
});
