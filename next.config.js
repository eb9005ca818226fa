/** @type {import('next').NextConfig} */
const nextConfig = {
  // onnxruntime-node and better-sqlite3 are native addons: load them from node_modules at run time.
  serverExternalPackages: ['onnxruntime-node', 'better-sqlite3'],
  // Security and cross-origin isolation headers are set by the HTTP gate (server/http/headers.ts).
};

export default nextConfig;
