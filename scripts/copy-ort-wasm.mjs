#!/usr/bin/env node
/**
 * Copies onnxruntime-web's runtime files (the .wasm binary and its .mjs loader, which also
 * starts the wasm pthread workers) to public/ort/, where the browser runner loads them with
 * `ort.env.wasm.wasmPaths = '/ort/'`. Runs before `next dev` and `next build` (package.json
 * predev/prebuild); copies only what changed. Two builds are used (lib/backends/ort-web.ts):
 * 'onnxruntime-web/webgpu' loads the asyncify build for the WebGPU execution provider,
 * 'onnxruntime-web/wasm' the plain build for the wasm one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'node_modules', 'onnxruntime-web', 'dist');
const dst = path.join(root, 'public', 'ort');
const FILES = ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];

fs.mkdirSync(dst, { recursive: true });
let copied = 0;
for (const f of FILES) {
  const from = path.join(src, f);
  const to = path.join(dst, f);
  if (!fs.existsSync(from)) {
    console.error(`copy-ort-wasm: ${from} is missing (is onnxruntime-web installed?)`);
    process.exit(1);
  }
  const a = fs.statSync(from);
  const b = fs.existsSync(to) ? fs.statSync(to) : null;
  if (b && b.size === a.size && b.mtimeMs >= a.mtimeMs) continue;
  fs.copyFileSync(from, to);
  copied++;
}
console.log(`copy-ort-wasm: public/ort/ is up to date (${copied} file${copied === 1 ? '' : 's'} copied)`);
