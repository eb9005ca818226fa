import { describe, expect, it } from 'vitest';
import { compileVjpModel, inspectModel } from './compile';
import { decodeModel } from './proto';
import { tinyEpsModel } from './test-models';

describe('models whose value names collide with the compiled model\'s own', () => {
  it("compiles an output named 'eps' repeatedly from one decoded model (renaming must not leak into it)", () => {
    // The shipped prior names its output 'eps', which the VJP model reserves; the backend
    // inspects and then compiles the same decoded model once per image size.
    const model = decodeModel(tinyEpsModel({ outName: 'eps' }));
    inspectModel(model, { height: 16, width: 16 });
    for (const size of [16, 24, 16]) {
      const { bytes } = compileVjpModel(model, { height: size, width: size });
      expect(bytes.length).toBeGreaterThan(0);
    }
    expect(model.graph.outputs[0].name).toBe('eps');
  });
});
