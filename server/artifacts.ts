/**
 * Run artifacts under <data dir>/runs/<runId>/:
 * - result.png: the primary sampler's image with the graph document in the PNG text chunk
 *   'spgd-graph' (dropping the file back into the editor restores the graph);
 * - <node>-<filename>: what Save image nodes wrote (same embedding);
 * - tensors/*.npy + tensors/index.json: every published port and timeline snapshot, read
 *   back by `tensor.get` (float32 .npy, readable with numpy.load).
 * URLs under /api/artifacts/ serve these files (app/api/artifacts/[...path]/route.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pngWithDocument } from '../lib/graph/files';
import { encodeNpy, parseNpy } from '../lib/io/npy';
import type { StoredTensor, TensorStore } from '../lib/plan/execute';
import type { TensorKind } from '../lib/plan/types';
import type { Tensor } from '../lib/tensor';

const ARTIFACT_URL_PREFIX = '/api/artifacts';

interface IndexEntry {
  file: string;
  kind: TensorKind;
  shape: number[];
}

function tensorKey(node: string, port: string, step?: number): string {
  return step === undefined ? `${node}/${port}` : `${node}/${port}@${step}`;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

export class Artifacts {
  constructor(private readonly dataDir: string) {}

  runDir(runId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new Error(`bad run id '${runId}'`);
    return path.join(this.dataDir, 'runs', runId);
  }

  /** Path relative to the data dir -> URL. */
  url(relative: string): string {
    return `${ARTIFACT_URL_PREFIX}/${relative.split(path.sep).map(encodeURIComponent).join('/')}`;
  }

  /** Absolute path of a URL path under /api/artifacts/, or null when it points outside runs/. */
  resolve(parts: string[]): string | null {
    if (parts.length < 2 || parts[0] !== 'runs' || parts.some((p) => p === '..' || p === '.' || p.includes('/') || p.includes('\\') || p === '')) return null;
    const full = path.resolve(this.dataDir, ...parts);
    const root = path.resolve(this.dataDir, 'runs') + path.sep;
    return full.startsWith(root) ? full : null;
  }

  /** Writes an image PNG with the graph embedded; returns its path relative to the data dir. */
  writeImage(runId: string, filename: string, image: Tensor, document: unknown): string {
    const dir = this.runDir(runId);
    fs.mkdirSync(dir, { recursive: true });
    const name = safe(filename.replace(/\.png$/i, '')) + '.png';
    const png = pngWithDocument(image, document);
    fs.writeFileSync(path.join(dir, name), png);
    return path.join('runs', runId, name);
  }

  tensorStore(runId: string): FileTensorStore {
    return new FileTensorStore(path.join(this.runDir(runId), 'tensors'));
  }

  readTensor(runId: string, node: string, port: string, step?: number): { tensor: Tensor; kind: TensorKind } | null {
    return new FileTensorStore(path.join(this.runDir(runId), 'tensors')).read(node, port, step);
  }

  /** Keys of every stored tensor of a run ('node/port' or 'node/port@step'). */
  listTensors(runId: string): string[] {
    return Object.keys(new FileTensorStore(path.join(this.runDir(runId), 'tensors')).index());
  }
}

/** Published tensors as .npy files plus an index (key -> file, kind, shape). */
export class FileTensorStore implements TensorStore {
  private cached?: Partial<Record<string, IndexEntry>>;

  constructor(private readonly dir: string) {}

  index(): Partial<Record<string, IndexEntry>> {
    if (this.cached) return this.cached;
    try {
      this.cached = JSON.parse(fs.readFileSync(path.join(this.dir, 'index.json'), 'utf8')) as Partial<Record<string, IndexEntry>>;
    } catch {
      this.cached = {};
    }
    return this.cached;
  }

  put(rec: StoredTensor): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const key = tensorKey(rec.node, rec.port, rec.step);
    const file = `${safe(rec.node)}.${safe(rec.port)}${rec.step === undefined ? '' : `.${rec.step}`}.npy`;
    fs.writeFileSync(path.join(this.dir, file), encodeNpy(rec.tensor.shape, rec.tensor.data));
    const idx = this.index();
    idx[key] = { file, kind: rec.kind, shape: [...rec.tensor.shape] };
    fs.writeFileSync(path.join(this.dir, 'index.json'), JSON.stringify(idx));
  }

  read(node: string, port: string, step?: number): { tensor: Tensor; kind: TensorKind } | null {
    const e = this.index()[tensorKey(node, port, step)];
    if (!e) return null;
    const a = parseNpy(fs.readFileSync(path.join(this.dir, e.file)));
    return { tensor: { shape: a.shape, data: a.data }, kind: e.kind };
  }
}
