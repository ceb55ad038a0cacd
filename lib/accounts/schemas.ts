// Request and response schemas of the account lifecycle endpoints (password reset,
// email change): the routes parse with these, and the OpenAPI document is generated
// from them (lib/openapi/paths/accounts.ts).
import { z } from "zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { emailSchema } from "@/lib/tenancy/tenant-input";

/** A link token we issued: 32 random bytes, base64url. Anything else is refused before a lookup. */
export const linkTokenSchema = text()
  .min(20, "This link is incomplete.")
  .max(200, "This link is not one we sent.")
  .regex(/^[A-Za-z0-9_-]+$/, "This link is not one we sent.")
  .meta({ description: "The token from the emailed link.", example: "k3J9v0X6d2yQm1sT8bN4wZ7cF5hR0aLe2uI9oP3gK1E" });

export const passwordResetRequestInput = z
  .object({ email: emailSchema.meta({ description: "The account's email address.", example: "ada@acme.example" }) })
  .strict()
  .meta({ id: "PasswordResetRequest" });

export const passwordResetConfirmInput = z
  .object({
    token: linkTokenSchema,
    password: text()
      .min(1, "Choose a password.")
      .max(textLimits.password)
      .meta({ description: "The new password (12+ characters, not a common one, not the email)." }),
  })
  .strict()
  .meta({ id: "PasswordResetConfirm" });

export const emailChangeInput = z
  .object({
    newEmail: emailSchema.meta({ description: "The new address; it is changed once the link sent there is opened." }),
    password: text().min(1, "Enter your current password.").max(textLimits.password).meta({ description: "The current password." }),
  })
  .strict()
  .meta({ id: "EmailChangeRequest" });

export const emailConfirmInput = z.object({ token: linkTokenSchema }).strict().meta({ id: "EmailChangeConfirm" });

export const acceptedResponse = z
  .object({ status: z.literal("accepted"), detail: z.string() })
  .meta({ id: "Accepted", description: "The request was taken; what happens next is sent by email." });

export const emailChangedResponse = z.object({ email: z.email() }).meta({ id: "EmailChanged" });
