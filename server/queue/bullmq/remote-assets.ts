/**
 * A worker's images, arrays (.npy masks and kernels) and models: fetched from the server by content hash
 * (`GET <server>/api/worker/assets/<sha256>`, with `Authorization: Bearer <token>` when the
 * server wants one), checked against that hash, and kept in a cache folder so each file crosses
 * the network once per worker machine. Decoded images are kept in memory (a few), opened priors
 * in the PriorRegistry the worker passes in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SpgdError } from '../../../lib/errors';
import { sha256Hex } from '../../../lib/graph/hash';
import { decodeImage, greyPlane, imageToTensor } from '../../../lib/image';
import { isNpy, parseNpy } from '../../../lib/io/npy';
import type { ExecuteAdapters } from '../../../lib/plan/execute';
import type { Tensor } from '../../../lib/tensor';
import type { ModelBytesSource, PriorRegistry } from '../../priors';
import type { RunJobData } from './protocol';

const KEEP_IMAGES = 16;

export interface RemoteAssetOptions {
  /** The server's base URL, e.g. http://studio.internal:3000. */
  serverUrl: string;
  /** Sent as a bearer token (null: none). */
  token: string | null;
  /** Where downloaded files are kept (created if missing). */
  cacheDir: string;
  fetch?: typeof fetch;
}

export class RemoteAssets implements ModelBytesSource {
  private readonly downloads = new Map<string, Promise<void>>();
  private readonly images = new Map<string, Tensor>();
  private readonly base: string;

  constructor(private readonly o: RemoteAssetOptions) {
    this.base = o.serverUrl.replace(/\/+$/, '');
    fs.mkdirSync(o.cacheDir, { recursive: true });
  }

  private file(sha: string): string {
    return path.join(this.o.cacheDir, sha);
  }

  /** Downloads a file into the cache unless it is there. */
  ensure(sha: string): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(sha)) return Promise.reject(new SpgdError('BAD_INPUT', `'${sha}' is not a sha256 content hash`));
    if (fs.existsSync(this.file(sha))) return Promise.resolve();
    let p = this.downloads.get(sha);
    if (!p) {
      p = this.download(sha).finally(() => this.downloads.delete(sha));
      this.downloads.set(sha, p);
    }
    return p;
  }

  private async download(sha: string): Promise<void> {
    const url = `${this.base}/api/worker/assets/${sha}`;
    let res: Response;
    try {
      res = await (this.o.fetch ?? fetch)(url, { headers: this.o.token ? { authorization: `Bearer ${this.o.token}` } : {} });
    } catch (e) {
      throw new SpgdError('BAD_INPUT', `cannot reach the server at ${this.base} for asset ${sha.slice(0, 12)}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (res.status === 401 || res.status === 403) {
      throw new SpgdError('BAD_INPUT', `the server at ${this.base} refused this worker (HTTP ${res.status}): give the worker the server's SPGD_WORKER_TOKEN`);
    }
    if (!res.ok) throw new SpgdError('BAD_INPUT', `the server at ${this.base} has no asset ${sha.slice(0, 12)} (HTTP ${res.status})`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const got = sha256Hex(bytes);
    if (got !== sha) throw new SpgdError('BAD_INPUT', `asset ${sha.slice(0, 12)} from ${this.base} arrived corrupted (its sha256 is ${got.slice(0, 12)})`);
    const tmp = `${this.file(sha)}.${process.pid}.part`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, this.file(sha));
  }

  /** ONNX bytes of 'sha256:<hex>' once `ensure` has fetched them (for the PriorRegistry). */
  modelBytes(model: string): Uint8Array | null {
    const sha = model.startsWith('sha256:') ? model.slice(7) : '';
    return /^[0-9a-f]{64}$/.test(sha) && fs.existsSync(this.file(sha)) ? new Uint8Array(fs.readFileSync(this.file(sha))) : null;
  }

  /** A decoded image ([3, H, W] in [-1, 1]), fetched first if needed. */
  async image(sha: string): Promise<Tensor> {
    const hit = this.images.get(sha);
    if (hit) return hit;
    await this.ensure(sha);
    const t = imageToTensor(decodeImage(new Uint8Array(fs.readFileSync(this.file(sha)))));
    this.images.set(sha, t);
    for (const key of this.images.keys()) {
      if (this.images.size <= KEEP_IMAGES) break;
      this.images.delete(key);
    }
    return t;
  }

  /** A mask or kernel: an uploaded .npy as stored, or a picture as grey levels in [0, 1] (as on the server). */
  async array(sha: string): Promise<Tensor> {
    await this.ensure(sha);
    const bytes = new Uint8Array(fs.readFileSync(this.file(sha)));
    if (!isNpy(bytes)) return greyPlane(await this.image(sha));
    const { shape, data } = parseNpy(bytes);
    return { shape, data };
  }

  /** The executor's adapters for one job: its sources resolved through the hashes the server sent. */
  adapters(data: RunJobData, priors: PriorRegistry): Omit<ExecuteAdapters, 'saveImage'> {
    const hashOf = (id: string): string => {
      const sha = data.assets[id] ?? (/^sha256:[0-9a-f]{64}$/.test(id) ? id.slice(7) : undefined);
      if (!sha) throw new SpgdError('BAD_INPUT', `the server sent no content hash for '${id}'`);
      return sha;
    };
    return {
      loadImage: (source) => this.image(hashOf(source)),
      loadArray: (source) => this.array(hashOf(source)),
      loadPrior: async (model) => {
        if (model === 'gaussian') return priors.load(model);
        const sha = hashOf(model);
        await this.ensure(sha);
        return priors.load(`sha256:${sha}`);
      },
    };
  }
}
