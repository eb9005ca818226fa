// Compare the exported ONNX prior (run with onnxruntime-node, CPU) against torch
// reference outputs written by export_onnx.py --ref DIR.
//   node training/check_onnx.mjs public/models/spgd-prior-v1.onnx training/runs/v1/ref
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const [, , modelPath, refDir] = process.argv;
const shapes = JSON.parse(fs.readFileSync(path.join(refDir, 'shapes.json'), 'utf8'));
const read = (k) => {
  const b = fs.readFileSync(path.join(refDir, k + '.bin'));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const sess = await ort.InferenceSession.create(modelPath);
let ok = true;
for (const s of Object.keys(shapes).filter((k) => k.startsWith('x')).map((k) => k.slice(1))) {
  const x = new ort.Tensor('float32', read(`x${s}`), shapes[`x${s}`]);
  const t = new ort.Tensor('float32', read(`t${s}`), shapes[`t${s}`]);
  const t0 = Date.now();
  const out = await sess.run({ x, t });
  const ms = Date.now() - t0;
  const eps = out.eps.data;
  const ref = read(`eps${s}`);
  let maxAbs = 0, refMax = 0;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(eps[i] - ref[i]));
    refMax = Math.max(refMax, Math.abs(ref[i]));
  }
  const pass = maxAbs <= 1e-4;
  ok &&= pass;
  console.log(`${s.includes('x') ? s : s + 'x' + s} (batch 2): max|onnx - torch| = ${maxAbs.toExponential(3)} (max|eps| ${refMax.toFixed(3)}), ${ms} ms -> ${pass ? 'PASS' : 'FAIL'} (tol 1e-4)`);
}
process.exit(ok ? 0 : 1);
