/**
 * Files in and out of the editor: graph JSON export/import, and the graph embedded in a result
 * PNG (text chunk 'spgd-graph'), read by lib/graph/files.ts like the server and the CLI do; a PNG
 * without the graph gets it embedded client-side before download.
 */
import type { GraphDocument } from '../../lib/graph/document';
import { documentFromFile, GRAPH_PNG_KEY, GRAPH_PNG_KEYS } from '../../lib/graph/files';
import { decodeImage, encodePng, readPngText } from '../../lib/image/codec';
import { getNodeDefinition } from '../../nodes';
import { knownNodeTypesOnly, type ParsedDocument } from './graph';

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

/** A dropped or picked file: a PNG with an embedded graph, or graph JSON (a preset export works too). */
export async function graphFromFile(file: File): Promise<ParsedDocument> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return knownNodeTypesOnly(documentFromFile(bytes, file.name, getNodeDefinition));
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
    if (GRAPH_PNG_KEYS.some((k) => k in text)) return new Blob([bytes], { type: 'image/png' });
  } catch {
    // not a PNG (e.g. JPEG): re-encode below
  }
  const img = decodeImage(bytes);
  const out = encodePng(img, { text: { [GRAPH_PNG_KEY]: JSON.stringify(doc) } });
  return new Blob([out as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}
