// Types of method-not-allowed.mjs (plain JavaScript, run by the launcher without a TypeScript loader).
import type { ServerResponse } from "node:http";

export function allowHeader(methods: readonly string[]): string;
export function allowLookup(table: Record<string, string[]>): (pathname: string) => string | null;
export function methodNotAllowedAnswer(
  req: { method: string; pathname: string; requestId: string },
  lookup: (pathname: string) => string | null,
): { status: 405; headers: { allow: string; "content-type": string; "cache-control": string }; body: string };
export function problemFor405(tableFile: string): (res: ServerResponse) => void;
