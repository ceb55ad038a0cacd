// The only expressions the runner evaluates (full CEL is out of scope):
//   event.data.<path>                       concurrency keys
//   event.data.<path> == <literal>          trigger `if` expressions, e.g. the SDK's own
//                                           onFailure trigger `event.data.function_id == 'app-fn'`
// Anything else is refused by the caller with the expression in the message.
import type { RunnerEvent } from "./types";

const PATH = String.raw`event\.data((?:\.[A-Za-z_$][\w$]*)+)`;
const PATH_ONLY = new RegExp(`^\\s*${PATH}\\s*$`);
const EQUALS = new RegExp(`^\\s*${PATH}\\s*==\\s*(?:'([^'\\\\]*)'|"([^"\\\\]*)"|(-?\\d+(?:\\.\\d+)?)|(true|false|null))\\s*$`);

const segments = (dotted: string): string[] => dotted.slice(1).split(".");

/** The path under event.data for a `event.data.a.b` expression, or undefined. */
export function parseDataPath(expression: string): string[] | undefined {
  const m = PATH_ONLY.exec(expression);
  return m?.[1] ? segments(m[1]) : undefined;
}

export function readDataPath(event: RunnerEvent, path: readonly string[]): unknown {
  let value: unknown = event.data;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A matcher for `event.data.<path> == <literal>`, or undefined when the form is unsupported. */
export function compileEquality(expression: string): ((event: RunnerEvent) => boolean) | undefined {
  const m = EQUALS.exec(expression);
  if (!m?.[1]) return undefined;
  const path = segments(m[1]);
  const [, , single, double, num, word] = m;
  const expected: unknown = single ?? double ?? (num !== undefined ? Number(num) : word === "null" ? null : word === "true");
  return (event) => {
    const actual = readDataPath(event, path);
    return expected === null ? actual === null || actual === undefined : actual === expected;
  };
}
