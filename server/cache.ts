/**
 * The node-output cache shared by all runs of the process: least recently used entries go
 * first once the tensors held pass the byte budget (SPGD_CACHE_MB). Keys are content keys
 * (lib/graph/hash.ts nodeKey), so an entry is valid for any graph that reaches the same node.
 */
import type { NodeOutputs, OutputCache, PortValue } from '../lib/plan/execute';
import type { Tensor } from '../lib/tensor';

function tensorBytes(t: Tensor | undefined): number {
  return t ? t.data.byteLength : 0;
}

function valueBytes(v: PortValue): number {
  switch (v.kind) {
    case 'Image':
      return tensorBytes(v.tensor);
    case 'Measurement':
      // The ground truth is the upstream image, already counted there.
      return tensorBytes(v.y);
    case 'Trace':
      return v.snapshots.reduce(
        (s, x) => s + tensorBytes(x.x) + tensorBytes(x.denoised) + tensorBytes(x.grad) + tensorBytes(x.momentum) + tensorBytes(x.residual),
        v.trace.length * 200,
      );
    default:
      return 256;
  }
}

function outputsBytes(o: NodeOutputs): number {
  return Object.values(o).reduce((s, v) => s + valueBytes(v), 0);
}

export class LruOutputCache implements OutputCache {
  private readonly map = new Map<string, { value: NodeOutputs; bytes: number }>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.total;
  }

  get(key: string): NodeOutputs | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: NodeOutputs): void {
    const old = this.map.get(key);
    if (old) {
      this.total -= old.bytes;
      this.map.delete(key);
    }
    const bytes = outputsBytes(value);
    if (bytes > this.maxBytes) return;
    this.map.set(key, { value, bytes });
    this.total += bytes;
    while (this.total > this.maxBytes) {
      const [k, e] = this.map.entries().next().value as [string, { value: NodeOutputs; bytes: number }];
      this.map.delete(k);
      this.total -= e.bytes;
    }
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
