/**
 * Forward rewrites made before the backward is built, where an equivalent forward op hands the
 * backward a statistic it would otherwise recompute from a saved input:
 *
 *   InstanceNormalization(x, scale = 1, B = 0)  ->  LayerNormalization(x, 1, axis = 2)
 *                                                  with its InvStdDev output
 *
 * (the GroupNorm export of PyTorch normalizes exactly like this). Both normalize each (n, c)
 * over the spatial axes; the LayerNormalization rule then reads y and 1/std (`LayerNormalization.ts`),
 * so x is not kept alive for the backward and the statistics are not recomputed from it.
 * ONNX Runtime's LayerNormalization is as fast as its InstanceNormalization and more accurate
 * for inputs with a large mean.
 */
import { attr, attrFloat, isConstantFill, makeTensor } from '../attrs';
import type { Graph } from '../graph';
import { DataType, type OnnxNode, type OnnxTensor } from '../proto';
import type { ValueMeta } from '../shapes';

/**
 * Rewrites the InstanceNormalization nodes among `nodes` that normalize without scale or bias.
 * Returns the number rewritten (the caller re-analyses the graph when it is not 0).
 */
export function exposeNormalizationStatistics(
  graph: Graph,
  meta: Map<string, ValueMeta>,
  constants: Map<string, OnnxTensor>,
  nodes: readonly OnnxNode[],
): number {
  // One scale of ones per normalized shape, made at run time (ConstantOfShape), so neither
  // the file nor the session holds a copy per node.
  const onesByShape = new Map<string, string>();
  const onesFor = (shape: number[], dtype: number, base: string): string => {
    const key = `${dtype}:${shape.join('x')}`;
    const known = onesByShape.get(key);
    if (known) return known;
    const dims = graph.uniqueName(`${base}_ones_shape`);
    const ones = graph.uniqueName(`${base}_ones`);
    const shapeTensor = makeTensor(dims, DataType.INT64, [shape.length], shape);
    graph.addInitializer(shapeTensor);
    constants.set(dims, shapeTensor);
    meta.set(dims, { shape: [shape.length], dtype: DataType.INT64 });
    graph.addNode({
      name: graph.uniqueName(`${base}_Ones`),
      opType: 'ConstantOfShape',
      domain: '',
      inputs: [dims],
      outputs: [ones],
      attributes: [attr.tensor('value', makeTensor('', dtype, [1], [1]))],
    });
    // Known to the rules (the LayerNormalization rule checks for a unit scale); not an initializer.
    constants.set(ones, makeTensor(ones, dtype, shape, new Float32Array(shape.reduce((p, d) => p * d, 1)).fill(1)));
    meta.set(ones, { shape, dtype });
    onesByShape.set(key, ones);
    return ones;
  };
  let count = 0;
  for (const node of nodes) {
    if (node.opType !== 'InstanceNormalization' || (node.domain && node.domain !== 'ai.onnx')) continue;
    const [x, scale, bias] = node.inputs;
    const m = meta.get(x);
    if (!m || m.dtype !== DataType.FLOAT || m.shape.length < 3 || !isConstantFill(constants.get(scale), 1) || !isConstantFill(constants.get(bias), 0)) continue;
    const invStd = graph.uniqueName(`${node.name}_inv_std`);
    meta.set(invStd, { shape: m.shape.map((d, i) => (i < 2 ? d : 1)), dtype: m.dtype });
    graph.nodes[graph.nodes.indexOf(node)] = {
      name: node.name,
      opType: 'LayerNormalization',
      domain: '',
      inputs: [x, onesFor(m.shape.slice(2), m.dtype, node.name)],
      outputs: [node.outputs[0], '', invStd],
      attributes: [attr.int('axis', 2), attr.float('epsilon', attrFloat(node, 'epsilon', 1e-5))],
    };
    count++;
  }
  return count;
}
