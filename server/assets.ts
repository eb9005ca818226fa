/**
 * Images and models: bundled samples (public/samples), the shipped prior
 * (public/models/spgd-prior-v1.onnx) and uploads, stored under the data dir by sha256 and
 * recorded in the assets table. Uploads are validated before anything is stored: images with
 * the engine's decoder (size limit from the header), models with the ONNX inspector and
 * ONNX Runtime (signature, ops the gradient compiler cannot differentiate). Images and masks
 * that travel inside a graph document (`assets[sha].data`) are stored the same way, before the
 * graph is compiled, run or saved.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OrtEpsModel } from '../lib/backends/ort-node';
import { isSpgdError, SpgdError } from '../lib/errors';
import type { GraphDocument } from '../lib/graph/document';
import { assetLabel, embeddedAssets, type EmbeddedAsset } from '../lib/graph/embedded-assets';
import { sha256Hex } from '../lib/graph/hash';
import { decodeImage, greyPlane, imageToTensor, sniffImageFormat } from '../lib/image';
import { isNpy, parseNpy } from '../lib/io/npy';
import { inspectModel, type ModelInspection } from '../lib/onnx/compile';
import { describeOps, signatureProblems } from '../lib/plan/prior-report';
import { UnsupportedOpError } from '../lib/onnx/errors';
import type { Tensor } from '../lib/tensor';
import { ByteLru } from './cache';
import type { Db } from './db';
import type { AssetRow } from './db/schema';
import type { Env } from './env';

const DEFAULT_SAMPLE = 'astronaut';
const DEFAULT_MODEL_FILE = 'public/models/spgd-prior-v1.onnx';

export interface SampleInfo {
  /** What a Load image node's `source` takes: 'sample:<name>'. */
  source: string;
  name: string;
  /** URL of the file in the app (served from public/). */
  url: string;
  width: number;
  height: number;
  /** The image 'sample:default' stands for. */
  isDefault: boolean;
}

export interface ImageRecord {
  sha256: string;
  width: number;
  height: number;
  /** 'array' for a .npy upload (a mask or kernel), 'image' for a PNG / JPEG. */
  kind: 'image' | 'array';
}

export interface ModelRecord {
  /** What a Prior node's `model` takes: 'default', 'gaussian' or 'sha256:<hex>'. */
  id: string;
  kind: 'onnx' | 'analytic';
  /** sha256 of the ONNX file (null for the analytic prior). */
  sha256: string | null;
  name: string;
  bytes: number;
  parameters: number;
  /** GFLOP of one forward at 256x256. */
  gflopsAt256: number;
  /** Whether the gradient compiler can differentiate it (SPGD and DPS need that). */
  differentiable: boolean;
  /** Ops without a VJP rule, e.g. "Round 'round_3'". */
  unsupportedOps: string[];
  problems: string[];
  builtIn: boolean;
}

function bad(message: string): SpgdError {
  return new SpgdError('BAD_INPUT', message);
}

export class AssetStore {
  /** Decoded images, least recently used out past SPGD_IMAGE_CACHE_MB. */
  private readonly imageCache: ByteLru<Tensor>;
  private readonly sizeCache = new Map<string, { width: number; height: number }>();
  private defaultModel?: ModelRecord;
  /** sha256 -> file of the bundled samples and the shipped prior (hashed once, on first need). */
  private builtInFiles?: Map<string, string>;

  constructor(
    private readonly db: Db,
    private readonly env: Env,
  ) {
    this.imageCache = new ByteLru(env.imageCacheBytes, (t) => t.data.byteLength);
  }

  get samplesDir(): string {
    return path.join(this.env.appRoot, 'public', 'samples');
  }

  get defaultModelPath(): string {
    return path.join(this.env.appRoot, DEFAULT_MODEL_FILE);
  }

  private dir(kind: 'images' | 'models' | 'arrays'): string {
    const d = path.join(this.env.dataDir, kind);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  // ----------------------------------------------------------------------------- images

  /** The bundled samples; 'default' is an alias of the astronaut. */
  samples(): SampleInfo[] {
    let files: string[] = [];
    try {
      files = fs.readdirSync(this.samplesDir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
    } catch {
      return [];
    }
    return files.map((f) => {
      const name = f.replace(/\.[^.]+$/, '');
      const size = this.sizeOf(`sample:${name}`) ?? { width: 0, height: 0 };
      return { source: `sample:${name}`, name, url: `/samples/${f}`, ...size, isDefault: name === DEFAULT_SAMPLE };
    });
  }

  /** File path of an image source, or null when there is none. */
  private imagePath(source: string): string | null {
    if (source.startsWith('sample:')) {
      const name = source.slice(7) === 'default' ? DEFAULT_SAMPLE : source.slice(7);
      if (!/^[A-Za-z0-9_-]+$/.test(name)) return null;
      for (const ext of ['png', 'jpg', 'jpeg']) {
        const p = path.join(this.samplesDir, `${name}.${ext}`);
        if (fs.existsSync(p)) return p;
      }
      return null;
    }
    if (source.startsWith('sha256:')) {
      const row = this.asset(source.slice(7));
      return row?.kind === 'image' ? row.path : null;
    }
    return null;
  }

  private sizeOf(source: string): { width: number; height: number } | null {
    const hit = this.sizeCache.get(source);
    if (hit) return hit;
    if (source.startsWith('sha256:')) {
      const row = this.asset(source.slice(7));
      if (row?.kind === 'image' || row?.kind === 'array') {
        const m = JSON.parse(row.meta) as { width: number; height: number };
        this.sizeCache.set(source, { width: m.width, height: m.height });
        return { width: m.width, height: m.height };
      }
      return null;
    }
    try {
      const t = this.loadImage(source);
      return { width: t.shape[2], height: t.shape[1] };
    } catch {
      return null;
    }
  }

  /** Size of an image source, or why it cannot be used (for the compiler). */
  describeImage(source: string): { width: number; height: number } | { error: string } {
    const s = this.sizeOf(source);
    if (s) return s;
    if (source.startsWith('sample:')) {
      return { error: `there is no sample image '${source.slice(7)}' (samples: ${this.samples().map((x) => x.name).join(', ') || 'none'})` };
    }
    return { error: `no uploaded image ${source}; upload it again` };
  }

  /** [3, H, W] in [-1, 1]. */
  loadImage(source: string): Tensor {
    const hit = this.imageCache.get(source);
    if (hit) return hit;
    const p = this.imagePath(source);
    if (!p) throw new SpgdError('BAD_INPUT', this.describeImageError(source));
    // Uploads were checked against the limit when stored; samples are the app's own.
    const t = imageToTensor(decodeImage(fs.readFileSync(p)));
    this.imageCache.set(source, t);
    this.sizeCache.set(source, { width: t.shape[2], height: t.shape[1] });
    return t;
  }

  private describeImageError(source: string): string {
    return source.startsWith('sample:') ? `there is no sample image '${source.slice(7)}'` : `no uploaded image ${source}`;
  }

  /** Validates and stores an uploaded image by sha256 (idempotent). */
  storeImage(bytes: Uint8Array, name = 'upload'): ImageRecord {
    if (bytes.length > this.env.maxImageBytes) {
      throw new SpgdError('BAD_IMAGE', `image file is ${bytes.length} bytes, more than the ${this.env.maxImageBytes}-byte upload limit`);
    }
    const img = decodeImage(bytes, { maxPixels: this.env.maxImagePixels });
    const sha = sha256Hex(bytes);
    const ext = sniffImageFormat(bytes) === 'jpeg' ? 'jpg' : 'png';
    const file = path.join(this.dir('images'), `${sha}.${ext}`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, bytes);
    this.db
      .prepare(`INSERT OR IGNORE INTO assets (sha256, kind, name, bytes, path, meta, created_at) VALUES (?, 'image', ?, ?, ?, ?, ?)`)
      .run(sha, name.slice(0, 200), bytes.length, file, JSON.stringify({ width: img.width, height: img.height }), Date.now());
    // The decoded pixels are dropped: a run decodes it again when it needs it (into the bounded cache).
    return { sha256: sha, width: img.width, height: img.height, kind: 'image' };
  }

  /** Validates and stores an uploaded .npy array (a mask [H, W] or a kernel [k, k]) by sha256 (idempotent). */
  storeArray(bytes: Uint8Array, name = 'upload'): ImageRecord {
    if (bytes.length > this.env.maxImageBytes) {
      throw new SpgdError('BAD_INPUT', `array file is ${bytes.length} bytes, more than the ${this.env.maxImageBytes}-byte upload limit`);
    }
    let shape: number[];
    try {
      shape = parseNpy(bytes).shape;
    } catch (e) {
      throw new SpgdError('BAD_INPUT', `not a readable .npy file: ${(e as Error).message}`);
    }
    if (shape.length !== 2 || shape[0] * shape[1] > this.env.maxImagePixels) {
      throw new SpgdError('BAD_INPUT', `an uploaded array must be 2-D [H, W] (a mask or a kernel) within ${this.env.maxImagePixels} values, got [${shape.join(', ')}]`);
    }
    const sha = sha256Hex(bytes);
    const file = path.join(this.dir('arrays'), `${sha}.npy`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, bytes);
    const [height, width] = shape;
    this.db
      .prepare(`INSERT OR IGNORE INTO assets (sha256, kind, name, bytes, path, meta, created_at) VALUES (?, 'array', ?, ?, ?, ?, ?)`)
      .run(sha, name.slice(0, 200), bytes.length, file, JSON.stringify({ width, height, shape }), Date.now());
    return { sha256: sha, width, height, kind: 'array' };
  }

  /** A mask or kernel: an uploaded .npy as stored, or an image as grey levels in [0, 1]. */
  loadArray(source: string): Tensor {
    const row = source.startsWith('sha256:') ? this.asset(source.slice(7)) : undefined;
    if (row?.kind === 'array') {
      const { shape, data } = parseNpy(fs.readFileSync(row.path));
      return { shape, data: Float32Array.from(data) };
    }
    return greyPlane(this.loadImage(source));
  }

  /**
   * Stores files a graph carries (checked against their keys by `embeddedAssets`) like uploads:
   * validated, by sha256, idempotent; a file already here is not decoded again. Returns one
   * problem per file that is not a usable image or mask.
   */
  storeEmbedded(files: readonly EmbeddedAsset[]): string[] {
    const problems: string[] = [];
    for (const f of files) {
      const row = this.asset(f.sha256);
      if (row && fs.existsSync(row.path)) continue;
      try {
        if (isNpy(f.bytes)) this.storeArray(f.bytes, f.name);
        else this.storeImage(f.bytes, f.name);
      } catch (e) {
        if (!isSpgdError(e)) throw e;
        problems.push(`${assetLabel(f.sha256, f.name)}: ${e.message}`);
      }
    }
    return problems;
  }

  /** Stores the files a document's assets carry; @throws SpgdError BAD_INPUT naming every one that cannot be. */
  requireEmbedded(assets: GraphDocument['assets']): void {
    const { files, problems } = embeddedAssets(assets);
    problems.push(...this.storeEmbedded(files));
    if (problems.length) throw new SpgdError('BAD_INPUT', `the graph carries files that cannot be used: ${problems.join('; ')}`);
  }

  asset(sha: string): AssetRow | undefined {
    return this.db.prepare<[string], AssetRow>('SELECT * FROM assets WHERE sha256 = ?').get(sha);
  }

  // ----------------------------------------------------------------------------- by content

  /**
   * The content hash of an image source or a prior model ('sample:<name>', 'sha256:<hex>',
   * 'default'), or null when there is no such file ('gaussian' has none). What a distributed
   * worker fetches and caches by.
   */
  contentHash(id: string): string | null {
    if (/^sha256:[0-9a-f]{64}$/.test(id)) return this.asset(id.slice(7)) ? id.slice(7) : null;
    const file = id === 'default' ? (fs.existsSync(this.defaultModelPath) ? this.defaultModelPath : null) : id.startsWith('sample:') ? this.imagePath(id) : null;
    if (!file) return null;
    for (const [sha, f] of this.builtIns()) if (f === file) return sha;
    return null;
  }

  /** Bytes of any asset the server holds, by content hash (uploads, samples, the shipped prior), or null. */
  bytesByHash(sha: string): Uint8Array | null {
    if (!/^[0-9a-f]{64}$/.test(sha)) return null;
    const row = this.asset(sha);
    const file = row ? row.path : this.builtIns().get(sha);
    return file && fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : null;
  }

  private builtIns(): Map<string, string> {
    if (!this.builtInFiles) {
      const files = this.samples().flatMap((s) => this.imagePath(s.source) ?? []);
      if (fs.existsSync(this.defaultModelPath)) files.push(this.defaultModelPath);
      this.builtInFiles = new Map(files.map((f) => [sha256Hex(new Uint8Array(fs.readFileSync(f))), f]));
    }
    return this.builtInFiles;
  }

  // ----------------------------------------------------------------------------- models

  /** ONNX bytes of a model id ('default' | 'sha256:<hex>'), or null when there is none. */
  modelBytes(model: string): Uint8Array | null {
    if (model === 'default') return fs.existsSync(this.defaultModelPath) ? new Uint8Array(fs.readFileSync(this.defaultModelPath)) : null;
    if (model.startsWith('sha256:')) {
      const row = this.asset(model.slice(7));
      return row?.kind === 'model' && fs.existsSync(row.path) ? new Uint8Array(fs.readFileSync(row.path)) : null;
    }
    return null;
  }

  /**
   * Validates an uploaded epsilon network and stores it by sha256.
   * @throws SpgdError BAD_MODEL (not ONNX, wrong signature) or UNSUPPORTED_OP (naming the ops).
   */
  async storeModel(bytes: Uint8Array, name = 'model.onnx'): Promise<ModelRecord> {
    if (bytes.length > this.env.maxModelBytes) {
      throw new SpgdError('BAD_MODEL', `model file is ${bytes.length} bytes, more than the ${this.env.maxModelBytes}-byte upload limit`);
    }
    let info: ModelInspection;
    try {
      info = inspectModel(bytes, { height: 64, width: 64 });
    } catch (e) {
      if (isSpgdError(e)) throw e;
      throw new SpgdError('BAD_MODEL', `not a valid ONNX model: ${(e as Error).message}`);
    }
    const problems = signatureProblems(info);
    if (problems.length) throw new SpgdError('BAD_MODEL', `not a usable epsilon network: ${problems.join('; ')}`);
    if (info.nonDifferentiable.length) throw new UnsupportedOpError(info.nonDifferentiable);
    // ONNX Runtime must be able to load it too (ops it lacks, bad initializers...).
    const loaded = await OrtEpsModel.create(bytes, { name, requireVjp: true });
    await loaded.release();
    const at256 = inspectModel(bytes, { height: 256, width: 256 });
    const sha = sha256Hex(bytes);
    const file = path.join(this.dir('models'), `${sha}.onnx`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, bytes);
    const meta = { parameters: info.parameterCount, gflopsAt256: at256.flops / 1e9, opset: info.opset, producer: info.producer };
    this.db
      .prepare(`INSERT OR IGNORE INTO assets (sha256, kind, name, bytes, path, meta, created_at) VALUES (?, 'model', ?, ?, ?, ?, ?)`)
      .run(sha, name.slice(0, 200), bytes.length, file, JSON.stringify(meta), Date.now());
    const row = this.asset(sha);
    if (!row) throw new Error(`model ${sha} was stored but its assets row cannot be read back`);
    return this.modelRecord(row);
  }

  private modelRecord(row: AssetRow): ModelRecord {
    const m = JSON.parse(row.meta) as { parameters: number; gflopsAt256: number };
    return {
      id: `sha256:${row.sha256}`,
      kind: 'onnx',
      sha256: row.sha256,
      name: row.name,
      bytes: row.bytes,
      parameters: m.parameters,
      gflopsAt256: m.gflopsAt256,
      differentiable: true,
      unsupportedOps: [],
      problems: [],
      builtIn: false,
    };
  }

  /** The shipped prior, the analytic Gaussian prior, then uploads (newest first). */
  models(): ModelRecord[] {
    const out: ModelRecord[] = [];
    const def = this.defaultModelRecord();
    if (def) out.push(def);
    out.push({
      id: 'gaussian',
      kind: 'analytic',
      sha256: null,
      name: 'Analytic Gaussian prior N(0, 0.5^2) (exact gradients, for checks)',
      bytes: 0,
      parameters: 0,
      gflopsAt256: 0,
      differentiable: true,
      unsupportedOps: [],
      problems: [],
      builtIn: true,
    });
    const rows = this.db.prepare<[], AssetRow>(`SELECT * FROM assets WHERE kind = 'model' ORDER BY created_at DESC`).all();
    for (const r of rows) out.push(this.modelRecord(r));
    return out;
  }

  private defaultModelRecord(): ModelRecord | null {
    if (this.defaultModel) return this.defaultModel;
    const bytes = this.modelBytes('default');
    if (!bytes) return null;
    const info = inspectModel(bytes, { height: 256, width: 256 });
    this.defaultModel = {
      id: 'default',
      kind: 'onnx',
      sha256: sha256Hex(bytes),
      name: 'spgd-prior-v1 (shipped default)',
      bytes: bytes.length,
      parameters: info.parameterCount,
      gflopsAt256: info.flops / 1e9,
      differentiable: info.nonDifferentiable.length === 0 && info.problems.length === 0,
      unsupportedOps: describeOps(info),
      problems: signatureProblems(info),
      builtIn: true,
    };
    return this.defaultModel;
  }
}

/** Bytes of an upload given as FormData (field `file`) or as base64. */
export async function uploadBytes(input: FormData | { name?: string; base64: string }): Promise<{ bytes: Uint8Array; name: string }> {
  if (typeof FormData !== 'undefined' && input instanceof FormData) {
    const file = input.get('file');
    if (!file || typeof file === 'string') throw bad("the form has no file in field 'file'");
    return { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name || 'upload' };
  }
  const { base64, name } = input as { name?: string; base64: string };
  const clean = base64.replace(/^data:[^;]*;base64,/, '');
  if (!/^[A-Za-z0-9+/=\s]*$/.test(clean)) throw bad('base64 upload contains characters outside the base64 alphabet');
  return { bytes: new Uint8Array(Buffer.from(clean, 'base64')), name: name ?? 'upload' };
}
