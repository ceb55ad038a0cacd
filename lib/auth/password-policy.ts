// The password policy: 12+ characters, not the email, not a common password. The
// list is the common-password dictionary of @zxcvbn-ts/language-common (about 49,000
// entries); a common word with only digits or symbols added counts as common too.
import { dictionary } from "@zxcvbn-ts/language-common";
import { text } from "@/lib/zod/text";

export const passwordMinLength = 12;
export const passwordMaxLength = 256;

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set((dictionary["passwords-common"] as string[]).map((p) => p.toLowerCase()));
  return common;
}

/** Why a password is refused, or null when it passes. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < passwordMinLength) return `Use at least ${passwordMinLength} characters.`;
  if (password.length > passwordMaxLength) return `Use at most ${passwordMaxLength} characters.`;
  const lower = password.toLowerCase();
  if (email && (lower === email.toLowerCase() || lower === email.toLowerCase().split("@")[0])) {
    return "The password must not be your email address.";
  }
  const list = commonPasswords();
  const stripped = lower.replace(/[\d\W_]+$/u, "").replace(/^[\d\W_]+/u, "");
  if (list.has(lower) || (stripped.length >= 4 && list.has(stripped))) {
    return "This password is too common; choose one that is harder to guess.";
  }
  return null;
}

/** zod schema for a new password; `email` (when known) may not be reused as the password. */
export function newPasswordSchema(email?: string) {
  return text().superRefine((value, ctx) => {
    const problem = passwordProblem(value, email);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}
