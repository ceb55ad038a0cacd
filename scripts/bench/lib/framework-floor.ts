// The framework's own ceiling on this machine, for `npm run bench:api -- --floor`: a
// throwaway Next app with the project's Next version, built and started the way ours is
// (`next build`, then scripts/start.mjs with one worker per core), serving the same
// `{"status":"ok"}` route twice: /floor/bare without any middleware, and /api/health behind
// a no-op Edge middleware (a middleware that returns NextResponse.next()). No request of
// ours can be faster than the second: it is what the Edge middleware the design asks for
// costs before any of our code runs. Measured with the same generator and load as the
// workloads, so the figures compare within one run (this machine's speed varies by up to
// 2x between minutes, so figures from different runs do not).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "./app";

const route = `export const dynamic = "force-dynamic";
export function GET() {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
`;

const files: Record<string, string> = {
  "app/layout.tsx": "export default function Layout({ children }: { children: React.ReactNode }) {\n  return <html><body>{children}</body></html>;\n}\n",
  "app/api/health/route.ts": route,
  "app/floor/bare/route.ts": route,
  "middleware.ts": `import { NextResponse } from "next/server";
export const config = { matcher: ["/api/:path*"] };
export function middleware() {
  return NextResponse.next();
}
`,
  "next.config.js": "module.exports = { poweredByHeader: false };\n",
  "tsconfig.json": JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      lib: ["dom", "esnext"],
      strict: true,
      module: "esnext",
      moduleResolution: "bundler",
      jsx: "react-jsx",
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      isolatedModules: true,
      resolveJsonModule: true,
    },
    include: ["**/*.ts", "**/*.tsx"],
    exclude: ["node_modules"],
  }),
};

export interface FloorApp {
  dir: string;
  remove(): void;
}

/** Writes and builds the floor app next to nothing of ours; `repo` gives node_modules and the launcher. */
export async function buildFloorApp(repo: string, env: NodeJS.ProcessEnv): Promise<FloorApp> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-floor-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "bench-floor", private: true, scripts: { start: `node ${JSON.stringify(path.join(repo, "scripts/start.mjs"))}` } }),
    );
    // Hard links (a second or two), not a symlink: Turbopack does not build with a symlinked node_modules.
    if ((await run("cp", ["-al", path.join(repo, "node_modules"), path.join(dir, "node_modules")], env)) !== 0)
      throw new Error("could not hard-link node_modules for the framework-floor app");
    console.log("\nframework floor: next build of a bare app …");
    const code = await run(process.execPath, [path.join(dir, "node_modules/next/dist/bin/next"), "build"], { ...env, NEXT_TELEMETRY_DISABLED: "1" }, dir);
    if (code !== 0) throw new Error("next build of the framework-floor app failed");
    return { dir, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
