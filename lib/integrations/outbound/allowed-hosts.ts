// The SSRF guard's only exception: named `host:port` pairs an operator lists in
// INTEGRATIONS_ALLOWED_HOSTS (local test endpoints). Both the entries and the URL
// being called are reduced to the same key (WHATWG host, explicit or default port),
// so `2130706433:80` and `127.0.0.1:80` are one entry, and another port is another key.

/** `host:port` as the URL parser writes the host (lower case, IPv6 in brackets). */
export function hostPortKey(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}

/** The key of one allow-list entry, or null when it is not `host:port` with a port of 1-65535. */
export function allowedHostKey(entry: string): string | null {
  const match = /^(.+):(\d{1,5})$/.exec(entry.trim());
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return null;
  let host: string;
  try {
    const url = new URL(`http://${match[1]}/`);
    // Anything beyond a bare host (credentials, a path, a second port) is not an entry.
    if (url.username || url.password || url.port || url.host !== url.hostname) return null;
    host = url.hostname;
  } catch {
    return null;
  }
  if (/[/?#@\\]/.test(match[1]!)) return null;
  // A DNS name or an IPv4 literal, or an IPv6 literal in brackets.
  if (!/^([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/.test(host)) return null;
  return `${host}:${port}`;
}
