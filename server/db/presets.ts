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
  thumbnail: string | null;
  updatedAt: number;
}

export interface Preset extends PresetSummary {
  document: unknown;
  createdAt: number;
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

export function toSummary(r: PresetRow): PresetSummary {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    tags: JSON.parse(r.tags) as string[],
    builtIn: r.built_in === 1,
    // A preset saved without a picture shows the one its graph starts from.
    thumbnail: r.thumbnail ?? graphThumbnail(JSON.parse(r.document)),
    updatedAt: r.updated_at,
  };
}

export function toPreset(r: PresetRow): Preset {
  return { ...toSummary(r), document: JSON.parse(r.document), createdAt: r.created_at };
}

export function listPresets(db: Db): PresetRow[] {
  return db.prepare<[], PresetRow>('SELECT * FROM presets ORDER BY built_in DESC, name COLLATE NOCASE').all();
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
}

export function insertPreset(db: Db, p: PresetWrite, now = Date.now()): void {
  db.prepare(
    `INSERT INTO presets (id, name, description, tags, document, built_in, thumbnail, source_hash, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(p.id, p.name, p.description, JSON.stringify(p.tags), JSON.stringify(p.document), p.builtIn ? 1 : 0, p.thumbnail, p.sourceHash ?? null, now, now);
}

export function updatePreset(db: Db, p: PresetWrite, now = Date.now()): void {
  db.prepare(
    `UPDATE presets SET name = ?, description = ?, tags = ?, document = ?, thumbnail = ?, source_hash = ?, updated_at = ? WHERE id = ?`,
  ).run(p.name, p.description, JSON.stringify(p.tags), JSON.stringify(p.document), p.thumbnail, p.sourceHash ?? null, now, p.id);
}

export function deletePreset(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM presets WHERE id = ?').run(id).changes > 0;
}
