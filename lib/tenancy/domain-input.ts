// Request input for the custom-domain endpoints: the POST body and the {name} path segment.
import { z } from "zod";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { hostnameSchema } from "./tenant-input";

export const addDomainInput = z.object({ hostname: hostnameSchema }).strict();

/** The {name} segment, size- and character-checked (the domain functions validate the hostname itself). */
export async function domainNameParam(route: { params: Promise<Record<string, string | string[]>> }): Promise<string> {
  const raw = (await route.params).name;
  return parseOrThrow(text().min(1).max(textLimits.hostname), Array.isArray(raw) ? raw.join("/") : raw, "domain name");
}
