// The Content-Security-Policy of every page, with a fresh nonce per request. Edge-safe
// (the middleware builds it). Next reads the nonce from the request's CSP header and
// puts it on its own scripts, so pages must render per request (app/layout.tsx).
// The headers that do not change per request are in next.config.js.

/** A 128-bit random nonce, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts Next's nonced scripts load are trusted; nothing else runs.
    // React's development build needs eval (call stacks); production never gets it.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Styles: our stylesheet, and React's style attributes. A nonce here would switch
    // 'unsafe-inline' off for them; styles cannot run code, scripts are what matters.
    "style-src 'self' 'unsafe-inline'",
    // https: for the tenant's logo (Settings: branding.logoUrl, any https host). An image
    // cannot run code; the page sends no referrer with it.
    "img-src 'self' data: blob: https:",
    "font-src 'self'",
    // The dev server's hot reload speaks WebSocket to the same host.
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
