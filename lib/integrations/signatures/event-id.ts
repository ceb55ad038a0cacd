// Event ids key deduplication storage, so only short printable ASCII is accepted.
import { maxEventIdLength } from "./limits";

export function validEventId(value: string | undefined): string | undefined {
  const id = value?.trim();
  if (!id || id.length > maxEventIdLength || !/^[\x20-\x7e]+$/.test(id)) return undefined;
  return id;
}
