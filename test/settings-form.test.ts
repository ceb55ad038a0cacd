// The Settings page's forms become patches of the one settings schema: each section in
// full (an unticked box is off, an emptied list is none), errors under the patch's paths.
import { describe, expect, it } from "vitest";
import { settingsFormSchema } from "@/lib/tenancy/settings-form";

const parse = (form: Record<string, unknown>) => settingsFormSchema.safeParse(form);
const paths = (form: Record<string, unknown>) => {
  const r = parse(form);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
};

describe("settingsFormSchema", () => {
  it("turns each section into its patch", () => {
    expect(parse({ section: "general", displayName: "Acme", "branding.logoUrl": "", "branding.accentColor": "#AABBCC" }).data).toEqual({
      displayName: "Acme",
      branding: { logoUrl: null, accentColor: "#aabbcc" },
    });
    expect(parse({ section: "security", sessionLifetimeHours: "12" }).data).toEqual({ mfaRequiredForAdmins: false, sessionLifetimeHours: 12 });
    expect(parse({ section: "security", mfaRequiredForAdmins: "on", sessionLifetimeHours: "168" }).data).toMatchObject({ mfaRequiredForAdmins: true });
    expect(
      parse({
        section: "api",
        corsOrigins: " https://a.example.com \n\nhttps://b.example.com",
        "rateLimits.apiPerMinute": "900",
        "rateLimits.principalPerMinute": "",
      }).data,
    ).toEqual({ corsOrigins: ["https://a.example.com", "https://b.example.com"], rateLimits: { apiPerMinute: 900 } });
    expect(parse({ section: "audit", auditRetentionDays: "" }).data).toEqual({ auditRetentionDays: null });
    expect(parse({ section: "alerts", "alertRecipients.roles": "admin", "alertRecipients.addresses": "A@Example.com" }).data).toEqual({
      alertRecipients: { roles: ["admin"], addresses: ["a@example.com"] },
    });
    expect(parse({ section: "alerts" }).data).toEqual({ alertRecipients: { roles: [], addresses: [] } });
  });

  it("reports errors under the patch's paths", () => {
    expect(paths({ section: "general", displayName: "", "branding.accentColor": "red" })).toEqual(
      expect.arrayContaining(["displayName", "branding.accentColor"]),
    );
    expect(paths({ section: "security", sessionLifetimeHours: "abc" })).toContain("sessionLifetimeHours");
    expect(paths({ section: "api", corsOrigins: "not a url", "rateLimits.apiPerMinute": "-1" })).toEqual(
      expect.arrayContaining(["corsOrigins.0", "rateLimits.apiPerMinute"]),
    );
    expect(paths({ section: "alerts", "alertRecipients.roles": ["owner", "viewer"] })).toContain("alertRecipients.roles.1");
    expect(parse({ section: "billing", plan: "x" }).success).toBe(false);
    expect(parse({}).success).toBe(false);
  });
});
