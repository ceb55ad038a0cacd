// Routes parse a body once, with the domain's schema; the domain function that gets
// that very object takes it as it is (parseOnce), and parses anything else.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors/app-error";
import { parseOnce, parseOrThrow } from "@/lib/errors/from-zod";

describe("parseOnce", () => {
  let calls = 0;
  const schema = z.object({ n: z.number() }).transform((v) => {
    calls++;
    return { ...v };
  });
  const other = z.object({ n: z.number() });

  it("takes an object parseOrThrow made with the same schema as it is", () => {
    calls = 0;
    const parsed = parseOrThrow(schema, { n: 1 });
    expect(calls).toBe(1);
    expect(parseOnce(schema, parsed)).toBe(parsed);
    expect(calls).toBe(1);
  });

  it("parses a raw object, and one parsed by another schema", () => {
    calls = 0;
    expect(parseOnce(schema, { n: 2 })).toEqual({ n: 2 });
    expect(calls).toBe(1);
    const byOther = parseOrThrow(other, { n: 3 });
    expect(parseOnce(schema, byOther)).not.toBe(byOther);
    expect(calls).toBe(2);
  });

  it("refuses invalid input with the field named", () => {
    const err = (() => {
      try {
        parseOnce(schema, { n: "x" }, "thing");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).fieldErrors.map((f) => f.path)).toEqual(["n"]);
  });
});
