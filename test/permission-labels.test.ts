// Issue 12 §6: every permission has a human name and a one-line description (the
// Record type already refuses a missing one at compile time; this checks the content).
import { describe, expect, it } from "vitest";
import { permissionLabels, roleDescriptions } from "@/lib/auth/permission-labels";
import { permissions, roles } from "@/lib/auth/permissions";

describe("permission labels", () => {
  it("name and describe every permission, and nothing else", () => {
    expect(Object.keys(permissionLabels).sort()).toEqual([...permissions].sort());
    for (const p of permissions) {
      const { name, description } = permissionLabels[p];
      expect(name.trim().length, p).toBeGreaterThan(3);
      expect(description.trim().length, p).toBeGreaterThan(10);
      expect(description, p).not.toMatch(/\n/);
    }
  });

  it("give each permission its own name", () => {
    const names = permissions.map((p) => permissionLabels[p].name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("describe every role", () => {
    for (const r of roles) expect(roleDescriptions[r].trim().length, r).toBeGreaterThan(5);
  });
});
