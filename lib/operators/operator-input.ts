// Input schemas of the operator console's sign-in and of the operators CLI, parsed once
// at the edge (route handler, CLI). Unknown fields are refused (.strict()).
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { emailSchema } from "@/lib/tenancy/tenant-input";

export const operatorEmailSchema = emailSchema;

export const operatorPasswordStepInput = z
  .object({
    email: text().trim().min(1, "Enter your email address.").max(textLimits.email, `Use at most ${textLimits.email} characters.`),
    password: text().min(1, "Enter your password.").max(textLimits.password, `Use at most ${textLimits.password} characters.`),
  })
  .strict();

const challenge = text().min(1, "Start again with your email and password.").max(2000, "Start again with your email and password.");
const code = text()
  .trim()
  .regex(new RegExp(`^\\d{${textLimits.operatorCode}}$`), `Enter the ${textLimits.operatorCode}-digit code from your authenticator app.`);

export const operatorCodeStepInput = z.object({ challenge, code }).strict();

export const operatorEnrolStepInput = z
  .object({
    challenge,
    code,
    // The policy (length, not common, not the email) is checked against the operator's email.
    newPassword: text().min(1, "Choose a new password.").max(textLimits.password, `Use at most ${textLimits.password} characters.`),
  })
  .strict();
