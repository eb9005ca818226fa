/**
 * A small ONNX model builder (used by tests and benchmarks to write graphs by hand).
 *
 * @example
 * const b = new ModelBuilder();
 * const x = b.input('x', DataType.FLOAT, [1, 3, 8, 8]);
 * const w = b.init('w', DataType.FLOAT, [4, 3, 3, 3], weights);
 * b.output(b.node('Conv', [x, w], [attr.ints('pads', [1, 1, 1, 1])]), DataType.FLOAT);
 * const bytes = b.build();
 */
import { makeTensor } from './attrs';
import { encodeModel, type DataTypeCode, type Dim, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './proto';

export class ModelBuilder {
  private nodes: OnnxNode[] = [];
  private inits: OnnxTensor[] = [];
  private inputs: OnnxValueInfo[] = [];
  private outputs: OnnxValueInfo[] = [];
  private counter = 0;

  constructor(readonly opset = 17) {}

  input(name: string, elemType: DataTypeCode, shape?: Dim[]): string {
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  output(name: string, elemType: DataTypeCode, shape?: Dim[]): string {
    this.outputs.push({ name, elemType, shape });
    return name;
  }

  init(name: string, dataType: DataTypeCode, dims: number[], values: ArrayLike<number>): string {
    this.inits.push(makeTensor(name, dataType, dims, values));
    return name;
  }

  /** Adds a node; returns its first output (named `<op>_<k>` unless `outputs` is given). */
  node(opType: string, inputs: string[], attributes: OnnxAttribute[] = [], outputs?: string[] | number, name?: string): string {
    const k = this.counter++;
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => `${opType.toLowerCase()}_${k}_${i}`)
        : (outputs ?? [`${opType.toLowerCase()}_${k}`]);
    this.nodes.push({ name: name ?? `${opType}_${k}`, opType, domain: '', inputs, outputs: outs, attributes });
    return outs[0];
  }

  /** Like `node` but returns all outputs. */
  nodeN(opType: string, inputs: string[], nOut: number, attributes: OnnxAttribute[] = [], name?: string): string[] {
    const k = this.counter;
    this.node(opType, inputs, attributes, nOut, name);
    return Array.from({ length: nOut }, (_, i) => `${opType.toLowerCase()}_${k}_${i}`);
  }

  build(): Uint8Array {
    return encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: this.opset }],
      producerName: 'spgd-model-builder',
      producerVersion: '1',
      domain: '',
      modelVersion: 1,
      docString: '',
      graph: { name: 'g', nodes: this.nodes, initializers: this.inits, inputs: this.inputs, outputs: this.outputs, valueInfo: [] },
      metadata: [],
    });
  }
}
