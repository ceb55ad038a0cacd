// Secrets never reach the audit log. The same key pattern as audit_redact() in SQL,
// applied here to the metadata of explicit events (recursively).
const secretKey = /(password|secret|token|_hash$|Hash$|recovery_?code|private_?key|api_?key)/i;

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretKey.test(k) && v !== null && v !== undefined ? "[redacted]" : redact(v)]));
  }
  return value;
}
