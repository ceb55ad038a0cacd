// The one map from zod's issue codes to the messages people read (API `errors` and the
// form fields alike): "must be at most 100 characters", not zod's developer text
// ("Too big: expected string to have <=100 characters", "expected date, received Date").
// Installed as zod's global error map when this module loads (lib/zod/text.ts and
// lib/errors/from-zod.ts import it); a message a schema gives itself still wins.
import { z } from "zod";

type Issue = z.core.$ZodRawIssue;

const formats: Record<string, string> = {
  email: "must be an email address",
  url: "must be a URL, such as https://example.com",
  uuid: "is not a valid id",
  guid: "is not a valid id",
  datetime: "must be a date and time, such as 2030-01-31T12:00:00Z",
  date: "must be a date, such as 2030-01-31",
  ipv4: "must be an IPv4 address",
  ipv6: "must be an IPv6 address",
  regex: "is not in the expected format",
};

const typeNames: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
  bigint: "a whole number",
};

const plural = (n: number | bigint, one: string, many: string) => `${n} ${Number(n) === 1 ? one : many}`;

function sizeMessage(issue: Issue & { origin?: string }, bound: number | bigint, bigger: boolean): string {
  const word = bigger ? "at most" : "at least";
  switch (issue.origin) {
    case "string":
      if (!bigger && Number(bound) === 1) return "is required";
      return `must be ${word} ${plural(bound, "character", "characters")}`;
    case "array":
    case "set":
      return `must have ${word} ${plural(bound, "item", "items")}`;
    case "date":
      return bigger
        ? `must be on or before ${new Date(Number(bound)).toISOString().slice(0, 10)}`
        : `must be on or after ${new Date(Number(bound)).toISOString().slice(0, 10)}`;
    default:
      return `must be ${word} ${String(bound)}`;
  }
}

export function humanMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case "too_big":
      return sizeMessage(issue, issue.maximum, true);
    case "too_small":
      return sizeMessage(issue, issue.minimum, false);
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      if (issue.expected === "date") return "is not a valid date";
      return `must be ${typeNames[issue.expected] ?? issue.expected}`;
    }
    case "invalid_format":
      return formats[issue.format] ?? "is not in the expected format";
    case "invalid_value":
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of: ${issue.values.map((v) => String(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length === 1 ? "" : "s"}: ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_union":
      return "is not valid here";
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
}

z.config({ customError: humanMessage });
