/** @type {import('next').NextConfig} */
const nextConfig = {
  // onnxruntime-node and better-sqlite3 are native addons, BullMQ loads ioredis and its Lua
  // scripts at run time: all of them come from node_modules, not the bundle.
  serverExternalPackages: ['onnxruntime-node', 'better-sqlite3', 'bullmq', 'ioredis'],
  // Security and cross-origin isolation headers (COOP/COEP for onnxruntime-web's wasm threads)
  // are set by the HTTP gate (server/http/headers.ts).
};

export default nextConfig;
