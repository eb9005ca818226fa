import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { runOnnx } from '../backends/ort-node';
import { DataType, decodeModel, encodeModel } from './proto';

const dir = fileURLToPath(new URL('../../tests/fixtures/onnx/', import.meta.url));
const golden = new Uint8Array(readFileSync(dir + 'golden_unet.onnx'));
const typed = new Uint8Array(readFileSync(dir + 'typed_fields.onnx'));

describe('ONNX protobuf codec', () => {
  it('decodes the PyTorch export and round-trips it (decode(encode(m)) == m)', () => {
    const m = decodeModel(golden);
    expect(m.producerName).toBe('pytorch');
    expect(m.opsetImport).toContainEqual({ domain: '', version: 17 });
    expect(m.graph.inputs.map((i) => i.name)).toEqual(['x', 't']);
    expect(m.graph.inputs[0].shape).toEqual(['batch', 3, 'height', 'width']);
    expect(m.graph.nodes.length).toBe(309);
    const again = decodeModel(encodeModel(m));
    expect(again.graph.nodes).toEqual(m.graph.nodes);
    expect(again.graph.inputs).toEqual(m.graph.inputs);
    expect(again.graph.outputs).toEqual(m.graph.outputs);
    expect(again.graph.initializers.map((t) => [t.name, t.dims, t.dataType])).toEqual(m.graph.initializers.map((t) => [t.name, t.dims, t.dataType]));
    for (let i = 0; i < m.graph.initializers.length; i++) expect(again.graph.initializers[i].data).toEqual(m.graph.initializers[i].data);
  });

  it('decodes typed repeated fields (float_data, int64_data incl. INT64 extremes, int32_data, double_data)', () => {
    const m = decodeModel(typed);
    const t = Object.fromEntries(m.graph.initializers.map((x) => [x.name, x]));
    expect(Array.from(t.w.data as Float32Array)).toEqual([0.5, -1, 2, 3.25, -0.125, 7]);
    expect(t.w.dataType).toBe(DataType.FLOAT);
    expect(Array.from(t.shape.data as BigInt64Array)).toEqual([3n, -1n]);
    expect((t.ends.data as BigInt64Array)[0]).toBe(9223372036854775807n);
    expect((t.starts.data as BigInt64Array)[0]).toBe(-9223372036854775808n);
    expect(Array.from(t.i32.data as Int32Array)).toEqual([1, -2, 3]);
    expect(Array.from(t.dbl.data as Float64Array)).toEqual([1.5, -2.25]);
  });

  it('a re-encoded model still runs in ONNX Runtime with the same result', async () => {
    const re = encodeModel(decodeModel(typed));
    const feeds = { x: { dtype: 'float32' as const, dims: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) } };
    const a = await runOnnx(typed, feeds);
    const b = await runOnnx(re, feeds);
    expect(Array.from(b.z.data as Float32Array)).toEqual(Array.from(a.z.data as Float32Array));
    expect(Array.from(a.z.data as Float32Array)).toEqual([1.5, 1, 5, 7.25, 4.875, 13]);
  });

  it('round-trips names that are not ASCII or longer than a one-byte length', () => {
    const m = decodeModel(golden);
    const long = 'n'.repeat(300);
    const nodes = [{ ...m.graph.nodes[0], name: 'Zürich ≈ 東京' }, { ...m.graph.nodes[1], name: long }, ...m.graph.nodes.slice(2)];
    const again = decodeModel(encodeModel({ ...m, graph: { ...m.graph, nodes } }));
    expect(again.graph.nodes.slice(0, 2).map((n) => n.name)).toEqual(['Zürich ≈ 東京', long]);
    expect(again.graph.nodes).toEqual(nodes);
  });

  it('decodes from a Node Buffer that is a view into a larger allocation (tensors are copied, not viewed)', () => {
    const pool = Buffer.alloc(golden.length + 3);
    pool.set(golden, 3);
    const m = decodeModel(pool.subarray(3));
    const ref = decodeModel(golden);
    for (let i = 0; i < ref.graph.initializers.length; i++) expect(m.graph.initializers[i].data).toEqual(ref.graph.initializers[i].data);
  });

  it('rejects garbage with SpgdError BAD_MODEL', () => {
    expect(() => decodeModel(new Uint8Array([0x0a, 0xff, 0xff, 0xff]))).toThrow(SpgdError);
    expect(() => decodeModel(new Uint8Array())).toThrow(/not a valid ONNX model/);
  });
});
