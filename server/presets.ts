/**
 * Presets: built-ins seeded from presets/*.json at start, and the user's saved graphs.
 *
 * - Built-ins are read-only: saving over one or deleting one is a CONFLICT / FORBIDDEN error.
 *   Their ids start with 'builtin-'; a changed file (a new app version) replaces the built-in
 *   row it came from, never a user preset. A user preset that already holds a built-in's name
 *   keeps it; the built-in is then listed as '<name> (built-in)'.
 * - Names are unique (case-insensitive). Saving under a name another preset holds needs
 *   `overwrite: true`, and then replaces that preset (keeping its id).
 * - A saved preset records its owner; only the owner or an admin may overwrite or delete it.
 * - The document's node params must fit their node types (strictly; the graph may still be
 *   unfinished), and a thumbnail is a PNG or JPEG data URL of at most 256 KiB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { GraphInvalidError } from '../lib/errors';
import { sha256Hex } from '../lib/graph/hash';
import { migrateDocument } from '../lib/graph/migrate';
import { documentParamIssues } from '../lib/graph/validate';
import { sniffImageFormat } from '../lib/image';
import { getNodeDefinition } from '../nodes';
import { canModify, ownerName, type Principal } from './auth';
import type { Db } from './db';
import { deletePreset, getPreset, insertPreset, presetByName, toPreset, updatePreset, type Preset } from './db/presets';
import type { PresetRow } from './db/schema';

export const BUILTIN_PREFIX = 'builtin-';

export const MAX_THUMBNAIL_BYTES = 256 * 1024;
const THUMBNAIL_DATA_URL = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/]*={0,2})$/;

/** The image bytes and format of a thumbnail data URL, or why it is not one. */
export function parseThumbnail(url: string): { bytes: Uint8Array; format: 'png' | 'jpeg' } | { error: string } {
  const m = THUMBNAIL_DATA_URL.exec(url);
  if (!m) return { error: 'a thumbnail is a PNG or JPEG data URL (data:image/png;base64,... or data:image/jpeg;base64,...)' };
  const bytes = new Uint8Array(Buffer.from(m[2], 'base64'));
  if (bytes.length > MAX_THUMBNAIL_BYTES) return { error: `a thumbnail is at most ${MAX_THUMBNAIL_BYTES / 1024} KiB, this one is ${Math.ceil(bytes.length / 1024)} KiB` };
  const format = m[1] as 'png' | 'jpeg';
  if (sniffImageFormat(bytes) !== format) return { error: `the thumbnail's bytes are not a ${format.toUpperCase()} image` };
  return { bytes, format };
}

/** A preset thumbnail as tRPC input: checked by parseThumbnail. */
export const thumbnailInput = z
  .string()
  .max(Math.ceil(MAX_THUMBNAIL_BYTES / 3) * 4 + 32)
  .superRefine((url, ctx) => {
    const r = parseThumbnail(url);
    if ('error' in r) ctx.addIssue({ code: 'custom', message: r.error });
  });

const presetFile = z.object({
  id: z.string().regex(/^builtin-[a-z0-9-]+$/),
  name: z.string().min(1).max(200),
  description: z.string().max(5000).default(''),
  tags: z.array(z.string().max(50)).max(20).default([]),
  thumbnail: z.string().nullable().default(null),
  document: z.unknown(),
});

export interface SeedReport {
  inserted: string[];
  updated: string[];
  unchanged: string[];
  failed: { file: string; error: string }[];
}

/** Inserts the built-in presets of `dir` that are missing and refreshes changed ones. */
export function seedBuiltInPresets(db: Db, dir: string): SeedReport {
  const report: SeedReport = { inserted: [], updated: [], unchanged: [], failed: [] };
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return report;
  }
  for (const file of files) {
    try {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const p = presetFile.parse(JSON.parse(text));
      const document = migrateDocument(p.document, getNodeDefinition);
      const sourceHash = sha256Hex(text);
      const existing = getPreset(db, p.id);
      const write = { id: p.id, name: p.name, description: p.description, tags: p.tags, document, builtIn: true, thumbnail: p.thumbnail, sourceHash };
      db.transaction(() => {
        if (!existing) {
          const taken = presetByName(db, p.name);
          if (taken) write.name = `${p.name} (built-in)`;
          insertPreset(db, write);
          report.inserted.push(p.id);
        } else if (existing.built_in === 1 && existing.source_hash !== sourceHash) {
          const taken = presetByName(db, p.name);
          if (taken && taken.id !== p.id) write.name = `${p.name} (built-in)`;
          updatePreset(db, write);
          report.updated.push(p.id);
        } else report.unchanged.push(p.id);
      })();
    } catch (e) {
      report.failed.push({ file, error: e instanceof Error ? e.message : String(e) });
    }
  }
  for (const f of report.failed) console.warn(`presets/${f.file}: not loaded: ${f.error}`);
  return report;
}

export interface SavePresetInput {
  id?: string;
  name: string;
  description?: string;
  tags?: string[];
  thumbnail?: string | null;
  document: unknown;
  overwrite?: boolean;
}

function requireOwn(principal: Principal, row: PresetRow, action: string): void {
  if (!canModify(principal, row.owner)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `'${row.name}' belongs to ${row.owner ?? 'nobody (saved before users existed)'}; only its owner or an admin may ${action} it` });
  }
}

/**
 * Saves (creates or replaces) a user preset; returns its id.
 * @throws GraphInvalidError (BAD_REQUEST with the per-node issues) when node params do not fit their types.
 */
export function savePreset(db: Db, input: SavePresetInput, principal: Principal): { id: string } {
  const document = migrateDocument(input.document, getNodeDefinition);
  const issues = documentParamIssues(document, getNodeDefinition);
  if (Object.keys(issues).length) throw new GraphInvalidError({ nodes: issues, graph: [] });
  const name = input.name.trim();
  return db.transaction(() => {
    const target = input.id ? getPreset(db, input.id) : undefined;
    if (input.id && !target) throw new TRPCError({ code: 'NOT_FOUND', message: `no preset '${input.id}'` });
    if (target?.built_in) {
      throw new TRPCError({ code: 'CONFLICT', message: `'${target.name}' is a built-in preset and cannot be overwritten; save it under a new name` });
    }
    if (target) requireOwn(principal, target, 'overwrite');
    const holder = presetByName(db, name);
    if (holder && holder.id !== target?.id) {
      if (holder.built_in) throw new TRPCError({ code: 'CONFLICT', message: `'${holder.name}' is the name of a built-in preset; choose another name` });
      if (!input.overwrite) throw new TRPCError({ code: 'CONFLICT', message: `a preset named '${holder.name}' exists; pass overwrite: true to replace it` });
      requireOwn(principal, holder, 'overwrite');
    }
    const write = (id: string, old?: { thumbnail: string | null; description: string; tags: string }) => ({
      id,
      name,
      description: input.description ?? old?.description ?? '',
      tags: input.tags ?? (old ? (JSON.parse(old.tags) as string[]) : []),
      document,
      builtIn: false,
      thumbnail: input.thumbnail === undefined ? (old?.thumbnail ?? null) : input.thumbnail,
    });
    if (target) {
      // Renaming onto another user preset with overwrite: that one is replaced by this one.
      if (holder && holder.id !== target.id) deletePreset(db, holder.id);
      updatePreset(db, write(target.id, target));
      return { id: target.id };
    }
    if (holder) {
      updatePreset(db, write(holder.id, holder));
      return { id: holder.id };
    }
    const id = randomUUID();
    insertPreset(db, { ...write(id), owner: ownerName(principal) });
    return { id };
  })();
}

export function removePreset(db: Db, id: string, principal: Principal): { ok: true } {
  const row = getPreset(db, id);
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `no preset '${id}'` });
  if (row.built_in) throw new TRPCError({ code: 'FORBIDDEN', message: `'${row.name}' is a built-in preset and cannot be deleted` });
  requireOwn(principal, row, 'delete');
  deletePreset(db, id);
  return { ok: true };
}

export function readPreset(db: Db, id: string): Preset {
  const row = getPreset(db, id);
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `no preset '${id}'` });
  return toPreset(row);
}
