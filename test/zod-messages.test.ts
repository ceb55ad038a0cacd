// One map of validation messages (lib/zod/messages.ts): people read "must be at most 100
// characters", never zod's developer text; a message a schema states itself still wins.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { AppError } from "@/lib/errors/app-error";
import { boundedDate } from "@/lib/zod/dates";
import { text } from "@/lib/zod/text";

const messageOf = (schema: z.ZodType, input: unknown) => {
  const result = schema.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues[0]!.message;
};

describe("validation messages", () => {
  it("sizes, types and formats read as words", () => {
    expect(messageOf(text().max(100), "x".repeat(101))).toBe("must be at most 100 characters");
    expect(messageOf(text().min(1), "")).toBe("is required");
    expect(messageOf(text().min(8), "short")).toBe("must be at least 8 characters");
    expect(messageOf(z.number().int().min(1), 0)).toBe("must be at least 1");
    expect(messageOf(z.number().max(5), 6)).toBe("must be at most 5");
    expect(messageOf(z.array(z.string()).max(2), ["a", "b", "c"])).toBe("must have at most 2 items");
    expect(messageOf(z.date(), new Date("nope"))).toBe("is not a valid date");
    expect(messageOf(z.object({ name: z.string() }), {})).toBe("is required");
    expect(messageOf(z.number(), "7")).toBe("must be a number");
    expect(messageOf(z.email(), "not-an-email")).toBe("must be an email address");
    expect(messageOf(z.url(), "nope")).toBe("must be a URL, such as https://example.com");
    expect(messageOf(z.enum(["owner", "admin"]), "root")).toBe("must be one of: owner, admin");
    expect(messageOf(z.object({}).strict(), { extra: 1, more: 2 })).toBe(`unknown fields: "extra", "more"`);
  });

  it("never leaks zod's developer text, and a schema's own message wins", () => {
    for (const [schema, input] of [
      [text().max(100), "y".repeat(150)],
      [z.date(), new Date(Number.NaN)],
      [z.number().min(100), 50],
    ] as const) {
      const message = messageOf(schema, input);
      expect(message).not.toMatch(/Too big|Too small|expected|received|Invalid input/i);
    }
    expect(messageOf(boundedDate(), "99999-01-01")).toMatch(/^(is not a valid date|must be before the year 10000)$/);
    expect(messageOf(z.string().max(3, "three at most"), "four")).toBe("three at most");
  });

  it("reaches the API's per-field errors", () => {
    const err = (() => {
      try {
        parseOrThrow(z.object({ name: text().max(100) }).strict(), { name: "n".repeat(101) }, "member");
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.message).toBe("Invalid member: name: must be at most 100 characters");
  });
});
