// Case-insensitive header lookup over a Web `Headers` (route handlers) or a plain
// record (Node's IncomingHttpHeaders, tests).
export type HeadersLike = { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

function hasGet(headers: HeadersLike): headers is { get(name: string): string | null } {
  return typeof (headers as { get?: unknown }).get === "function";
}

/** The header's value, repeated fields joined with ", " as `Headers.get` does; undefined if absent. */
export function readHeader(headers: HeadersLike, name: string): string | undefined {
  if (hasGet(headers)) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === "string") values.push(value);
    else values.push(...value);
  }
  return values.length ? values.join(", ") : undefined;
}
