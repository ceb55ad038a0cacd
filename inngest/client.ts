// The engine client and the platform's event types, as the functions in this folder
// see them. Both live behind the jobs boundary (lib/jobs/), which domain code uses to
// send; this folder only defines what runs.
export { appId, getInngest, resetInngestClient } from "@/lib/jobs/engine";
export { syncRequested, webhookReceived, webhookSingle } from "@/lib/jobs/events";
