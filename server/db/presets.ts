/** Preset rows <-> preset records. */
import { imageSourceUrl } from '../../lib/image/source-url';
import type { Db } from './index';
import type { PresetRow } from './schema';

export interface PresetSummary {
  id: string;
  name: string;
  description: string;
  tags: string[];
  builtIn: boolean;
  /** URL of the thumbnail (served by app/api/presets/[id]/thumbnail), or null. */
  thumbnail: string | null;
  updatedAt: number;
  /** Who saved it (null: a built-in, or saved without credentials). */
  owner: string | null;
}

export interface Preset extends PresetSummary {
  document: unknown;
  createdAt: number;
}

/**
 * The columns a summary needs: only whether a thumbnail exists, and the document only of a preset
 * saved without a picture (it shows the one its graph starts from).
 */
type SummaryRow = Pick<PresetRow, 'id' | 'name' | 'description' | 'tags' | 'built_in' | 'updated_at' | 'owner'> & {
  has_thumbnail: number;
  fallback_document: string | null;
};

export function thumbnailUrl(id: string, updatedAt: number): string {
  return `/api/presets/${encodeURIComponent(id)}/thumbnail?v=${updatedAt}`;
}

/** The picture a graph starts from (its first node whose `source` is an image the app serves), as a URL. */
export function graphThumbnail(document: unknown): string | null {
  const nodes = (document as { nodes?: Record<string, { params?: { source?: unknown } }> } | null)?.nodes;
  for (const n of Object.values(nodes ?? {})) {
    const url = imageSourceUrl(n.params?.source);
    if (url) return url;
  }
  return null;
}

export function toSummary(r: SummaryRow): PresetSummary {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    tags: JSON.parse(r.tags) as string[],
    builtIn: r.built_in === 1,
    thumbnail: r.has_thumbnail
      ? thumbnailUrl(r.id, r.updated_at)
      : r.fallback_document === null
        ? null
        : graphThumbnail(JSON.parse(r.fallback_document)),
    updatedAt: r.updated_at,
    owner: r.owner,
  };
}

export function toPreset(r: PresetRow): Preset {
  return { ...toSummary({ ...r, has_thumbnail: r.thumbnail === null ? 0 : 1, fallback_document: r.thumbnail === null ? r.document : null }), document: JSON.parse(r.document), createdAt: r.created_at };
}

/** Summaries of every preset, built-ins first. */
export function listPresets(db: Db): PresetSummary[] {
  return db
    .prepare<[], SummaryRow>(
      `SELECT id, name, description, tags, built_in, updated_at, owner, thumbnail IS NOT NULL AS has_thumbnail,
              CASE WHEN thumbnail IS NULL THEN document END AS fallback_document
       FROM presets ORDER BY built_in DESC, name COLLATE NOCASE`,
    )
    .all()
    .map(toSummary);
}

/** The stored thumbnail (a PNG or JPEG data URL) of a preset, or null. */
export function presetThumbnail(db: Db, id: string): string | null {
  return db.prepare<[string], { thumbnail: string | null }>('SELECT thumbnail FROM presets WHERE id = ?').get(id)?.thumbnail ?? null;
}

export function getPreset(db: Db, id: string): PresetRow | undefined {
  return db.prepare<[string], PresetRow>('SELECT * FROM presets WHERE id = ?').get(id);
}

export function presetByName(db: Db, name: string): PresetRow | undefined {
  return db.prepare<[string], PresetRow>('SELECT * FROM presets WHERE name = ? COLLATE NOCASE').get(name);
}

export interface PresetWrite {
  id: string;
  name: string;
  description: string;
  tags: string[];
  document: unknown;
  builtIn: boolean;
  thumbnail: string | null;
  sourceHash?: string | null;
  owner?: string | null;
}

export function insertPreset(db: Db, p: PresetWrite, now = Date.now()): void {
  db.prepare(
    `INSERT INTO presets (id, name, description, tags, document, built_in, thumbnail, source_hash, created_at, updated_at, owner)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(p.id, p.name, p.description, JSON.stringify(p.tags), JSON.stringify(p.document), p.builtIn ? 1 : 0, p.thumbnail, p.sourceHash ?? null, now, now, p.owner ?? null);
}

export function updatePreset(db: Db, p: PresetWrite, now = Date.now()): void {
  db.prepare(
    `UPDATE presets SET name = ?, description = ?, tags = ?, document = ?, thumbnail = ?, source_hash = ?, updated_at = ? WHERE id = ?`,
  ).run(p.name, p.description, JSON.stringify(p.tags), JSON.stringify(p.document), p.thumbnail, p.sourceHash ?? null, now, p.id);
}

export function deletePreset(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM presets WHERE id = ?').run(id).changes > 0;
}
