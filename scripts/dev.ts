// `npm run dev`: the whole platform on this machine, with demo tenants.
import { spawn } from "node:child_process";
import { toolingEnv } from "@/lib/env";
import { StackSetupError } from "./lib/embedded-db";
import { printParts, startStack } from "./lib/stack";

// Loopback only unless HOST says otherwise: a dev server is no service for the network.
const { PORT: port, APP_ROOT_DOMAIN: root, HOST: host } = toolingEnv();
console.log("Starting the platform for development…");
const stack = await startStack("dev").catch((e: unknown) => {
  // Setup problems say what to do in one sentence; anything else keeps its stack trace.
  if (!(e instanceof StackSetupError)) throw e;
  console.error(`\n${e.message}`);
  process.exit(1);
});
console.log("\nRunning:");
printParts(stack.parts);
console.log(`
  Platform:  http://${root}:${port}
  Tenants:   http://acme.${root}:${port}   http://globex.${root}:${port}
  Health:    http://${root}:${port}/api/ready
  Listening: ${host}:${port}${host === "127.0.0.1" || host === "::1" || host === "localhost" ? " (this machine only; set HOST to change)" : ""}
`);

// Next normalises 127.0.0.1 to "localhost" in the URLs the middleware sees, but not in
// its router's own origin, so under `-H 127.0.0.1` every middleware rewrite (the 404
// page, /platform) would be proxied back to the server as an external URL. Binding
// by the name "localhost", resolved IPv4 first, listens on 127.0.0.1 with one origin.
const loopbackV4 = host === "127.0.0.1" || host === "localhost";
const nodeOptions = [process.env.NODE_OPTIONS, loopbackV4 ? "--dns-result-order=ipv4first" : ""].filter(Boolean).join(" ");
const next = spawn(process.execPath, ["node_modules/next/dist/bin/next", "dev", "-H", loopbackV4 ? "localhost" : host, "-p", String(port)], {
  stdio: "inherit",
  env: { ...process.env, ...stack.env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
});

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  next.kill("SIGTERM");
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
next.on("exit", (code) => void shutdown(code ?? 0));
