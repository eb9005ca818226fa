/**
 * Assets that travel inside a graph document: `assets[sha256].data`, the file itself in base64
 * (document.ts). The editor fills it for the masks it paints and the small pictures it uploads;
 * a server stores those files, validated like uploads, before it compiles, runs or saves the
 * graph, so the graph works on a server whose data dir never saw the upload.
 *
 * The key stays the file's sha256: data that hashes to anything else is refused, and the
 * content hash of a graph leaves `data` out (hash.ts), since the key already names the bytes.
 *
 * @example
 * const { files, problems } = embeddedAssets(doc.assets);
 * for (const f of files) store(f.bytes, f.name);   // the server's asset store
 */
import { base64ToBytes, bytesToBase64 } from '../io/base64';
import { MAX_EMBEDDED_ASSET_BYTES, type GraphDocument } from './document';
import { sha256Hex } from './hash';

export interface EmbeddedAsset {
  sha256: string;
  name: string;
  bytes: Uint8Array;
}

type Assets = GraphDocument['assets'];

/** How an asset is named in messages: its short hash and file name. */
export function assetLabel(sha: string, name: string): string {
  return `asset ${sha.slice(0, 12)}… (${JSON.stringify(name)})`;
}

/**
 * The files a document carries, each decoded and checked against its key, and one problem per
 * asset that cannot be used (a model, data that is not base64, too large, or not the file its
 * key names). Assets without data are left to the server's store.
 */
export function embeddedAssets(assets: Assets): { files: EmbeddedAsset[]; problems: string[] } {
  const files: EmbeddedAsset[] = [];
  const problems: string[] = [];
  for (const [sha, ref] of Object.entries(assets)) {
    if (ref.data === undefined) continue;
    const what = assetLabel(sha, ref.name);
    if (ref.kind !== 'image') {
      problems.push(`${what}: models do not travel inside a graph; upload the model on this server`);
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(ref.data);
    } catch {
      problems.push(`${what}: its embedded data is not base64`);
      continue;
    }
    if (bytes.length > MAX_EMBEDDED_ASSET_BYTES) {
      problems.push(`${what}: its embedded file is ${bytes.length} bytes, more than ${MAX_EMBEDDED_ASSET_BYTES}`);
      continue;
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha) {
      problems.push(`${what}: its embedded data is another file (sha256 ${actual.slice(0, 12)}…), not the one its key names`);
      continue;
    }
    files.push({ sha256: sha, name: ref.name, bytes });
  }
  return { files, problems };
}

/** The asset entry's `data` for a file the editor uploads: its base64 when it is small enough to travel. */
export function embeddedData(bytes: Uint8Array, base64 = bytesToBase64(bytes)): { data?: string } {
  return bytes.length <= MAX_EMBEDDED_ASSET_BYTES ? { data: base64 } : {};
}

const SOURCE = /^sha256:([0-9a-f]{64})$/;

/** The asset keys the nodes' params name ('sha256:<hex>' values at any depth). */
export function referencedAssets(nodes: GraphDocument['nodes']): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      const m = SOURCE.exec(v);
      if (m) out.add(m[1]);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  for (const n of Object.values(nodes)) visit(n.params);
  return out;
}

/**
 * The assets with the data of those no node uses left out (their entries stay, so an earlier
 * upload can still be picked): a graph whose mask was repainted ten times carries one mask.
 */
export function withoutUnusedData(assets: Assets, nodes: GraphDocument['nodes']): Assets {
  const used = referencedAssets(nodes);
  const out: Assets = {};
  for (const [sha, ref] of Object.entries(assets)) {
    if (ref.data === undefined || used.has(sha)) out[sha] = ref;
    else {
      const { data: _unused, ...rest } = ref;
      out[sha] = rest;
    }
  }
  return out;
}
