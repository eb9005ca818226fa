/**
 * Files in and out of the editor: graph JSON export/import, and the graph embedded in a result
 * PNG (text chunk 'spgd-graph'). Reading a dropped PNG uses lib/image's `readPngText`; a PNG
 * without the graph gets it embedded client-side before download.
 */
import type { GraphDocument } from '../../lib/graph/document';
import { decodeImage, encodePng, readPngText } from '../../lib/image/codec';
import { parseDocument, type ParsedDocument } from './graph';

/** The PNG text keyword that carries the graph; older spellings are read too. */
export const PNG_GRAPH_KEY = 'spgd-graph';
const PNG_GRAPH_KEYS = [PNG_GRAPH_KEY, 'spgd:graph', 'spgd-studio.graph', 'graph'];

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function fileNameFor(doc: GraphDocument, ext: string): string {
  const base = (doc.name ?? 'graph').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'graph';
  return `${base}.${ext}`;
}

export function exportGraphJson(doc: GraphDocument): void {
  downloadBlob(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }), fileNameFor(doc, 'json'));
}

/** The graph document inside a PNG's text chunks, or a reason why there is none. */
export function graphFromPng(bytes: Uint8Array): ParsedDocument {
  let text: Record<string, string>;
  try {
    text = readPngText(bytes);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  const key = PNG_GRAPH_KEYS.find((k) => k in text);
  if (!key) return { ok: false, error: 'this PNG has no SPGD Studio graph embedded' };
  return parseDocument(text[key]);
}

/** A dropped or picked file: a PNG with an embedded graph, or graph JSON (a preset export works too). */
export async function graphFromFile(file: File): Promise<ParsedDocument> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const isPng = bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  if (isPng) return graphFromPng(bytes);
  if (/\.(jpe?g|gif|webp|bmp)$/i.test(file.name)) return { ok: false, error: `${file.name} is not a PNG or JSON graph` };
  return parseDocument(new TextDecoder().decode(bytes));
}

/**
 * The result PNG with the graph embedded. The server's PNG already carries it; otherwise the
 * image is decoded and re-encoded here with the 'spgd-graph' text chunk.
 */
export async function pngWithGraph(url: string, doc: GraphDocument): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch the result image (HTTP ${res.status})`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  try {
    const text = readPngText(bytes);
    if (PNG_GRAPH_KEYS.some((k) => k in text)) return new Blob([bytes], { type: 'image/png' });
  } catch {
    // not a PNG (e.g. JPEG): re-encode below
  }
  const img = decodeImage(bytes);
  const out = encodePng(img, { text: { [PNG_GRAPH_KEY]: JSON.stringify(doc) } });
  return new Blob([out as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}
