/**
 * Byte-bounded LRU caches: least recently used entries go first once the bytes held pass the
 * budget; an entry larger than the whole budget is not kept.
 *
 * - `LruOutputCache`: node outputs shared by all runs of the process (SPGD_CACHE_MB). Keys are
 *   content keys (lib/graph/hash.ts nodeKey), so an entry is valid for any graph that reaches
 *   the same node.
 * - `ByteLru<Tensor>` in the asset store: decoded images (SPGD_IMAGE_CACHE_MB).
 */
import type { NodeOutputs, OutputCache, PortValue } from '../lib/plan/execute';
import type { Tensor } from '../lib/tensor';

function optionalBytes(t: Tensor | undefined): number {
  return t ? t.data.byteLength : 0;
}

function valueBytes(v: PortValue): number {
  switch (v.kind) {
    case 'Image':
      return optionalBytes(v.tensor);
    case 'Measurement':
      // The ground truth is the upstream image, already counted there.
      return optionalBytes(v.y);
    case 'Trace':
      return v.snapshots.reduce(
        (s, x) => s + optionalBytes(x.x) + optionalBytes(x.denoised) + optionalBytes(x.grad) + optionalBytes(x.momentum) + optionalBytes(x.residual),
        v.trace.length * 200,
      );
    default:
      return 256;
  }
}

function outputsBytes(o: NodeOutputs): number {
  return Object.values(o).reduce((s, v) => s + valueBytes(v), 0);
}

export class ByteLru<V> {
  private readonly map = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.total;
  }

  /** Whether `key` is cached (without touching its recency). */
  has(key: string): boolean {
    return this.map.has(key);
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    const old = this.map.get(key);
    if (old) {
      this.total -= old.bytes;
      this.map.delete(key);
    }
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    this.map.set(key, { value, bytes });
    this.total += bytes;
    for (const [k, e] of this.map) {
      if (this.total <= this.maxBytes) break;
      this.map.delete(k);
      this.total -= e.bytes;
    }
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}

export class LruOutputCache extends ByteLru<NodeOutputs> implements OutputCache {
  constructor(maxBytes: number) {
    super(maxBytes, outputsBytes);
  }
}
