/** @type {import('next').NextConfig} */
const nextConfig = {
  // onnxruntime-node and better-sqlite3 are native addons: load them from node_modules at run time.
  serverExternalPackages: ['onnxruntime-node', 'better-sqlite3'],
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
