/**
 * Graph documents in files: JSON (a document, or a preset / run record that wraps one) and the
 * graph embedded in a result PNG (text chunk 'spgd-graph'). Shared by the server's artifacts, the
 * editor's import and the CLI's `spgd run --graph`.
 *
 * @example
 * const r = documentFromFile(bytes, 'result.png', getNodeDefinition);
 * if (r.ok) run(r.doc); else console.error(r.error);
 */
import { encodePng, readPngText, tensorToImage } from '../image';
import type { Tensor } from '../tensor';
import { GRAPH_FORMAT, type GraphDocument } from './document';
import { migrateDocument, type NodeMigrationLookup } from './migrate';

/** The PNG text keyword that carries the graph; older spellings are read too. */
export const GRAPH_PNG_KEY = 'spgd-graph';
export const GRAPH_PNG_KEYS = [GRAPH_PNG_KEY, 'spgd:graph', 'spgd-studio.graph', 'graph'];

export type ParsedDocument = { ok: true; doc: GraphDocument } | { ok: false; error: string };

/** A document from JSON text or a parsed value, migrated to the current schema; or why it is not one. */
export function parseDocument(input: unknown, lookup: NodeMigrationLookup): ParsedDocument {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      return { ok: false, error: `not JSON: ${(e as Error).message}` };
    }
  }
  // A preset or run record that wraps the document.
  if (value && typeof value === 'object' && 'document' in value && !('nodes' in value)) value = value.document;
  try {
    return { ok: true, doc: migrateDocument(value, lookup) };
  } catch (e) {
    if (!value || typeof value !== 'object' || !('format' in value) || value.format !== GRAPH_FORMAT) {
      return { ok: false, error: `not an SPGD Studio graph (format must be '${GRAPH_FORMAT}')` };
    }
    return { ok: false, error: (e as Error).message };
  }
}

/** The graph embedded in a PNG's text chunks, or why there is none. */
function documentFromPng(bytes: Uint8Array, lookup: NodeMigrationLookup): ParsedDocument {
  let text: Record<string, string>;
  try {
    text = readPngText(bytes);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  const key = GRAPH_PNG_KEYS.find((k) => k in text);
  if (!key) return { ok: false, error: 'this PNG has no SPGD Studio graph embedded' };
  return parseDocument(text[key], lookup);
}

function isPng(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
}

/** A PNG with an embedded graph, or graph JSON. */
export function documentFromFile(bytes: Uint8Array, name: string, lookup: NodeMigrationLookup): ParsedDocument {
  if (isPng(bytes)) return documentFromPng(bytes, lookup);
  if (/\.(jpe?g|gif|webp|bmp)$/i.test(name)) return { ok: false, error: `${name} is not a PNG or JSON graph` };
  return parseDocument(new TextDecoder().decode(bytes), lookup);
}

/** A [3, H, W] image as PNG bytes with the graph embedded. */
export function pngWithDocument(image: Tensor, document: unknown): Uint8Array {
  return encodePng(tensorToImage(image), { text: { [GRAPH_PNG_KEY]: JSON.stringify(document) } });
}
