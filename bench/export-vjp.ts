/** Writes the compiled VJP model of the default prior at given sizes (for bench/gpu_check.py). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { compileVjpModel } from '../lib/onnx/compile';

const sizes = (process.argv[2] ?? '256,512').split(',').map(Number);
const bytes = new Uint8Array(readFileSync('public/models/spgd-prior-v1.onnx'));
mkdirSync('bench/gpu', { recursive: true });
for (const s of sizes) {
  const { bytes: out } = compileVjpModel(bytes, { height: s, width: s });
  writeFileSync(`bench/gpu/vjp-${s}.onnx`, out);
  console.log(`bench/gpu/vjp-${s}.onnx ${(out.length / 1e6).toFixed(1)} MB`);
}
