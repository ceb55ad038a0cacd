// ESLint: Next's recommended rules (core web vitals) and its TypeScript rules.
// Formatting is Prettier's job: `npm run lint` checks both, `npm run format` rewrites.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    files: ["**/*.{js,jsx,mjs,ts,tsx,mts,cts}"],
    rules: {
      // `let x; ... x = ...` where a closure reads x before the one assignment (a value
      // that needs itself, e.g. a server whose handler refers to it) cannot be const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // The forms clear their fields in an effect after a successful server action: an
      // extra render, not a bug. Kept visible until they are keyed on the result instead.
      "react-hooks/set-state-in-effect": "warn",
    },
  },
  {
    files: ["**/*.ts", "**/*.tsx"],
    rules: {
      // A leading underscore marks a binding left unused on purpose (e.g. taken out of a rest spread).
      "@typescript-eslint/no-unused-vars": [
        "warn",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    // Server Components and route handlers run once per request: Date.now() there is the
    // request's time, not an impure render.
    files: ["app/**/page.tsx", "app/**/layout.tsx", "app/**/route.ts"],
    rules: { "react-hooks/purity": "off" },
  },
  {
    // Application code logs through lib/observability/logger.ts (pino: JSON, redacted);
    // only scripts write to the console (their output is for the person running them).
    files: ["lib/**", "app/**", "inngest/**", "components/**", "instrumentation.ts", "middleware.ts"],
    rules: { "no-console": "error" },
  },
  {
    // CommonJS on purpose (a `node --require` preload).
    files: ["**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  globalIgnores([".next/**", ".data/**", "node_modules/**", "lib/db/generated/**", "next-env.d.ts", "test-results/**", "playwright-report/**"]),
]);
