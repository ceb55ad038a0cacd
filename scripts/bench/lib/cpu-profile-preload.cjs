// Preloaded with NODE_OPTIONS="--require <this file>" when BENCH_PROFILE_DIR is set and
// this Node does not accept --cpu-prof in NODE_OPTIONS (Node 20 refuses it): profiles the
// process with the inspector and writes CPU.<time>.<pid>.cpuprofile into
// BENCH_PROFILE_DIR when it exits (like --cpu-prof). Plain JS: it runs before any loader.
"use strict";
const inspector = require("node:inspector");
const fs = require("node:fs");
const path = require("node:path");

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  let written = false;
  process.on("exit", () => {
    if (written) return;
    written = true;
    // A same-thread session answers synchronously, so this completes inside 'exit'.
    session.post("Profiler.stop", (err, result) => {
      if (err || !result) return;
      try {
        fs.mkdirSync(dir, { recursive: true });
        const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", ".").slice(0, 15);
        fs.writeFileSync(path.join(dir, `CPU.${stamp}.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      } catch (e) {
        process.stderr.write(`[cpu-profile] ${e}\n`);
      }
    });
  });
}
