// An inbox row's body as the value processing works on, or the reason it never can be.
// Intake checks who sent a delivery, not what it says (the row is the evidence), so a
// body that JSON.parse accepts may still be one that later steps cannot handle: nested
// deeper than JSON.stringify's stack (a RangeError), or holding text that PostgreSQL's
// jsonb refuses (a \u0000, or half of a surrogate pair). Retrying cannot change that,
// so each is unprocessable: dead at once, with the reason on the row.
import { UnprocessableEventError } from "./unprocessable-event";

/** Deeper than any provider's payload; far below where a recursive serialiser overflows. */
export const maxPayloadDepth = 64;

// With the u flag a well-formed pair is one code point, so \p{Cs} matches only a lone half.
const unstorableText = /[\0\p{Cs}]/u;

/** Why jsonb cannot take this value (null: it can). Iterative, so depth itself cannot overflow it. */
function unstorable(value: unknown): string | null {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (typeof v === "string") {
      if (unstorableText.test(v)) return "holds text PostgreSQL cannot store (a \\u0000 or an unpaired surrogate)";
      continue;
    }
    if (!v || typeof v !== "object") continue;
    if (depth >= maxPayloadDepth) return `nests deeper than ${maxPayloadDepth} levels`;
    if (Array.isArray(v)) {
      for (const item of v) stack.push({ v: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(v)) {
      stack.push({ v: key, depth: depth + 1 });
      stack.push({ v: item, depth: depth + 1 });
    }
  }
  return null;
}

export function parsePayload(body: Uint8Array): unknown {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    throw new UnprocessableEventError("the payload is not JSON");
  }
  const problem = unstorable(payload);
  if (problem) throw new UnprocessableEventError(`the payload ${problem}`);
  return payload;
}
