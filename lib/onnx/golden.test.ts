/**
 * Golden test against PyTorch autograd: the compiled VJP of the TinyUNet fixture
 * (tests/fixtures/onnx/make_golden.py) must match torch's float64 eps and
 * d(sum(eps * v))/dx.
 */
import { describe, expect, it } from 'vitest';
import { GOLDEN_H, GOLDEN_W, goldenManifest, goldenModel, loadGoldenArray, relL2 } from '../../tests/support/golden';
import { OrtEpsModel, runOnnx } from '../backends/ort-node';
import { tensor } from '../tensor';
import { compileVjpModel, inspectModel } from './compile';

const manifest = goldenManifest;
const load = loadGoldenArray;
const modelBytes = goldenModel();
const x = load(manifest.x);
const v = load(manifest.v);
const epsRef = load(manifest.eps);
const extraRef = load(manifest.eps_extra);
const vjpRef = load(manifest.vjp);
const [H, W] = [GOLDEN_H, GOLDEN_W];


describe('golden TinyUNet vs PyTorch autograd', () => {
  it('compiled VJP model matches torch (eps <= 1e-5, vjp <= 1e-4 relative L2)', async () => {
    const { bytes, report } = compileVjpModel(modelBytes, { height: H, width: W });
    expect(report.outChannels).toBe(6);
    expect(report.forwardOnlyNodes).toBeGreaterThan(0); // the timestep embedding is not differentiated
    const res = await runOnnx(bytes, {
      x: { dtype: 'float32', dims: [1, 3, H, W], data: x },
      t: { dtype: 'float32', dims: [1], data: Float32Array.of(manifest.t) },
      v: { dtype: 'float32', dims: [1, 3, H, W], data: v },
    });
    const eErr = relL2(res.eps.data as Float32Array, epsRef);
    const xErr = relL2(res.eps_extra.data as Float32Array, extraRef);
    const gErr = relL2(res.vjp.data as Float32Array, vjpRef);
    console.log(`golden: eps rel L2 ${eErr.toExponential(3)}, eps_extra ${xErr.toExponential(3)}, vjp rel L2 ${gErr.toExponential(3)}`);
    expect(eErr).toBeLessThan(1e-5);
    expect(xErr).toBeLessThan(1e-5);
    expect(gErr).toBeLessThan(1e-4);
  });

  it('OrtEpsModel.epsPullback gives the same result through the EpsModel interface', async () => {
    const prior = await OrtEpsModel.create(modelBytes, { name: 'golden' });
    try {
      expect(prior.outChannels).toBe(6);
      expect(prior.integerTimesteps).toBe(false);
      const z = tensor([3, H, W], x);
      let seen = false;
      const { out, vjp } = await prior.epsPullback(z, manifest.t, (o) => {
        seen = true;
        expect(o.eps.shape).toEqual([3, H, W]);
        return tensor([3, H, W], v);
      });
      expect(seen).toBe(true);
      expect(relL2(out.eps.data, epsRef)).toBeLessThan(1e-5);
      expect(relL2(out.varianceLogit!.data, extraRef)).toBeLessThan(1e-5);
      expect(relL2(vjp.data, vjpRef)).toBeLessThan(1e-4);
      // cached: the second pullback at the same size reuses the compiled session
      const again = await prior.epsPullback(z, manifest.t, () => tensor([3, H, W], v));
      expect(relL2(again.vjp.data, vjpRef)).toBeLessThan(1e-4);
      expect(Object.keys(prior.compileReports())).toEqual([`${H}x${W}`]);
    } finally {
      await prior.release();
    }
  });

  it('inspectModel reports params, FLOPs and no blocking ops', () => {
    const info = inspectModel(modelBytes, { height: H, width: W });
    expect(info.parameterCount).toBe(manifest.parameters);
    expect(info.nonDifferentiable).toEqual([]);
    expect(info.problems).toEqual([]);
    expect(info.outChannels).toBe(6);
    expect(info.flops).toBeGreaterThan(0);
    expect(info.flopsByOp.Conv).toBeGreaterThan(0);
    expect(info.flopsByOp.Einsum).toBeGreaterThan(0);
    console.log('golden inspect:', JSON.stringify({ ...info, opHistogram: info.opHistogram }));
  });
});
