// Generates the platform and tenant Prisma clients (run by `postinstall`).
// `prisma generate` never runs the schema engine, but Prisma 7 insists on finding
// one; the native engine cannot be downloaded here, so point it at any existing file.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
const prismaBin = fileURLToPath(new URL("../../node_modules/prisma/build/index.js", import.meta.url));
for (const schema of ["prisma/platform.prisma", "prisma/tenant.prisma"]) {
  execFileSync(process.execPath, [prismaBin, "generate", "--schema", schema], { stdio: "inherit", env });
}
