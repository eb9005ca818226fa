/**
 * Tensors held in memory and named by content ('sha256:<hex>' of their shape and float32 bytes),
 * so a graph can load them like uploads: the CLI's files and the benchmarks' images. Provides
 * the compiler's `describeImage` and the executor's `loadImage` / `loadArray`.
 *
 * @example
 * const sources = new MemorySources();
 * const source = sources.add(groundTruth);          // 'sha256:...'
 * await runGraph(doc, kit, { describeImage: sources.describe }, { ...sources.adapters(), loadPrior });
 */
import { SpgdError } from '../errors';
import { sha256Hex } from '../graph/hash';
import type { Tensor } from '../tensor';
import type { ExecuteAdapters, ImageDescription } from './node-run';

export class MemorySources {
  private readonly tensors = new Map<string, Tensor>();

  /** Registers a tensor; returns its source name. */
  add(t: Tensor): string {
    const head = new TextEncoder().encode(JSON.stringify(t.shape));
    const bytes = new Uint8Array(head.length + t.data.byteLength);
    bytes.set(head);
    bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), head.length);
    const source = `sha256:${sha256Hex(bytes)}`;
    this.tensors.set(source, t);
    return source;
  }

  get(source: string): Tensor {
    const t = this.tensors.get(source);
    if (!t) throw new SpgdError('BAD_INPUT', `no input ${source}`);
    return t;
  }

  /** The compiler's `describeImage`: the last two axes are height and width. */
  readonly describe = (source: string): ImageDescription => {
    const t = this.tensors.get(source);
    if (!t) return { error: `no input ${source}` };
    return { height: t.shape[t.shape.length - 2], width: t.shape[t.shape.length - 1] };
  };

  adapters(): Pick<ExecuteAdapters, 'loadImage' | 'loadArray'> {
    // A missing source rejects (the Promise executor catches the throw), as a real adapter's load does.
    const load = (s: string) => new Promise<Tensor>((resolve) => resolve(this.get(s)));
    return { loadImage: load, loadArray: load };
  }
}
