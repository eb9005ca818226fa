/** @type {import('next').NextConfig} */
const nextConfig = {
  // onnxruntime-node and better-sqlite3 are native addons, BullMQ loads ioredis and its Lua
  // scripts at run time: all of them come from node_modules, not the bundle.
  serverExternalPackages: ['onnxruntime-node', 'better-sqlite3', 'bullmq', 'ioredis'],
  // Cross-origin isolation lets onnxruntime-web use wasm threads (SharedArrayBuffer).
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
        ],
      },
    ];
  },
};

export default nextConfig;
