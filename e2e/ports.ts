// Fixed ports of the e2e run (one e2e run per machine at a time, see the README).
/** The local Inngest runner driving 3100's /api/inngest. */
export const runnerPort = 3190;
/**
 * A fake external API a spec starts for REST integrations. The e2e servers allow-list
 * exactly this host:port (INTEGRATIONS_ALLOWED_HOSTS): the SSRF guard stays on.
 */
export const externalApiPort = 3191;
/**
 * UDP: the DNS server the custom-domain spec starts (test/support/dns-server.ts); the
 * 3100 server asks it for TXT records (DNS_RESOLVERS).
 */
export const dnsPort = 3192;
