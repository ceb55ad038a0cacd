// Account lifecycle by email: password reset and email change (lib/accounts).
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  acceptedResponse,
  emailChangeInput,
  emailChangedResponse,
  emailConfirmInput,
  passwordResetConfirmInput,
  passwordResetRequestInput,
} from "@/lib/accounts/schemas";
import { authenticated, json, jsonBody, open, problems } from "../common";

export const accountPaths: ZodOpenApiPathsObject = {
  "/api/v1/auth/password-reset": {
    post: open({
      tags: ["Account lifecycle"],
      summary: "Email a password reset link",
      description:
        "The same 202 whether or not the address has an account (the look-up runs after the response). The link works once, for one hour. Limited per client address; an address gets at most 3 links an hour.",
      requestBody: jsonBody(passwordResetRequestInput),
      responses: { "202": json(acceptedResponse, "Taken; a link is mailed if the address has an account."), ...problems(400, 503) },
    }),
  },
  "/api/v1/auth/password-reset/confirm": {
    post: open({
      tags: ["Account lifecycle"],
      summary: "Set a new password with a reset link's token",
      description: "Signs the account out everywhere (every session and refresh token) and clears a lockout. A token of another tenant is invalid here.",
      requestBody: jsonBody(passwordResetConfirmInput),
      responses: {
        "200": json(z.object({ email: z.email(), sessions_revoked: z.number().int() }).meta({ id: "PasswordResetDone" })),
        ...problems(400, 503),
      },
    }),
  },
  "/api/v1/me/email": {
    post: authenticated(null, {
      tags: ["Account lifecycle"],
      summary: "Change your email address (confirmed at the new address)",
      description:
        "Users only (an API key gets 403). Checks the current password, mails a single-use link (24 h) to the new address and a notice to the old one; nothing changes until the link is used.",
      requestBody: jsonBody(emailChangeInput),
      responses: { "202": json(acceptedResponse), ...problems(400, 409, 503) },
    }),
  },
  "/api/v1/me/email/confirm": {
    post: open({
      tags: ["Account lifecycle"],
      summary: "Confirm a new email address with the link's token",
      description: "No sign-in needed: the token is the proof. 409 when the address was taken meanwhile.",
      requestBody: jsonBody(emailConfirmInput),
      responses: { "200": json(emailChangedResponse), ...problems(400, 409, 503) },
    }),
  },
};
