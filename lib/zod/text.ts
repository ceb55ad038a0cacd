// The one rule for text from outside (route bodies, query parameters, server-action
// forms): no control characters. PostgreSQL refuses NUL in text and jsonb (a 500 if it
// gets that far), and the others (C0, DEL, C1: newlines, escapes, bidi-free but
// invisible) only ever serve to forge log lines or hide content in the admin pages.
// Passwords follow the same rule: any printable character, never a control character.
// Webhook bodies are bytes, not text, and never pass through here.
import { z } from "zod";
import "./messages"; // zod's messages, in words people read

const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

export const controlCharacterMessage = "must not contain control characters";

/** True when `value` has no C0/C1 control character and no DEL. */
export function hasNoControlCharacters(value: string): boolean {
  return !controlCharacter.test(value);
}

/** A string that holds no control character; chain .trim(), .min(), .max() as usual. */
export function text() {
  return z.string().refine(hasNoControlCharacters, controlCharacterMessage);
}

/** `value` with each control character replaced by U+FFFD: for recording text we refused (audit rows), never for accepting it. */
export function replaceControlCharacters(value: string): string {
  return value.replace(new RegExp(controlCharacter.source, "g"), "\uFFFD");
}
