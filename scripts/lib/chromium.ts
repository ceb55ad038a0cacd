// The Chromium the Playwright suite drives. The system one (/usr/bin/chromium, e.g.
// Debian's `apt-get install chromium`) when present; otherwise the one that ships inside
// the @sparticuz/chromium npm package, so `npm install && npm test` needs nothing else.
// Playwright's own browser download is never used.
//   E2E_CHROMIUM=auto    system if present, else npm (default)
//   E2E_CHROMIUM=system  /usr/bin/chromium, or fail
//   E2E_CHROMIUM=npm     always the npm one (proves a fresh machine works)
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

export const systemChromium = "/usr/bin/chromium";
export type ChromiumMode = "auto" | "system" | "npm";

export interface ResolvedChromium {
  executablePath: string;
  source: "system" | "npm";
  detail: string;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function npmPackageVersion(): string {
  const require = createRequire(import.meta.url);
  // The package's exports hide package.json; find it from the entry point.
  const entry = require.resolve("@sparticuz/chromium");
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** A binary in a shared temp dir is run only from a directory this user owns and only it can write. */
function ownedByUs(dir: string): boolean {
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === (process.getuid?.() ?? st.uid) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * Unpacks the npm Chromium once per version and user into <tmp>/sparticuz-chromium-<version>-<uid>/.
 * The package unpacks into os.tmpdir() itself and trusts whatever is there, so it
 * unpacks into a fresh directory that is renamed into place only when complete: an
 * interrupted or concurrent first run never leaves a half-written binary behind.
 */
async function unpackNpmChromium(): Promise<string> {
  const version = npmPackageVersion();
  const finalDir = path.join(tmpdir(), `sparticuz-chromium-${version}-${process.getuid?.() ?? "user"}`);
  const binary = path.join(finalDir, "chromium");
  if (ownedByUs(finalDir) && isExecutable(binary)) return binary;

  const staging = mkdtempSync(path.join(tmpdir(), `sparticuz-chromium-${version}-`));
  const previousTmp = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    const { default: sparticuz } = await import("@sparticuz/chromium");
    const unpacked = await sparticuz.executablePath();
    if (path.dirname(unpacked) !== staging) throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, not under ${staging}`);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  } finally {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
  }
  chmodSync(staging, 0o755);
  try {
    renameSync(staging, finalDir);
  } catch (e) {
    // Another run finished first: use its copy. Anything else there is not ours to run.
    rmSync(staging, { recursive: true, force: true });
    if (!ownedByUs(finalDir) || !isExecutable(binary)) {
      throw new Error(`cannot use ${finalDir} for the npm Chromium (${e instanceof Error ? e.message : String(e)}): remove it and run again`);
    }
  }
  return binary;
}

export async function resolveChromium(mode: ChromiumMode = "auto"): Promise<ResolvedChromium> {
  if (mode !== "npm" && isExecutable(systemChromium)) {
    return { executablePath: systemChromium, source: "system", detail: `${systemChromium} (system)` };
  }
  if (mode === "system") {
    throw new Error(`E2E_CHROMIUM=system but ${systemChromium} is not there: install it (Debian: apt-get install chromium) or unset E2E_CHROMIUM`);
  }
  const executablePath = await unpackNpmChromium();
  const why = mode === "npm" ? "E2E_CHROMIUM=npm" : `no ${systemChromium}`;
  return { executablePath, source: "npm", detail: `${executablePath} (@sparticuz/chromium ${npmPackageVersion()}; ${why})` };
}
