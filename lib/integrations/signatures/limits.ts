// Bounds on what an unauthenticated sender can make us parse or hash before we know
// the request is genuine.
export const defaultToleranceSeconds = 300;
/** Signatures considered per request; senders send 1, or 2-3 while rotating. */
export const maxSignatures = 10;
export const maxSignatureHeaderLength = 4096;
export const maxEventIdLength = 255;
