'use client';
/**
 * The working graph, kept in the browser's IndexedDB (idb-keyval) as it is edited, so a reload
 * (or a crash) brings it back: the document with its layout and groups, the preset it came from,
 * what was last saved (so "unsaved" survives the reload) and whom the description belongs to.
 * One record per page path: the editor and each test fixture route keep their own.
 */
import { get, set } from 'idb-keyval';
import { useEffect } from 'react';
import type { GraphDocument } from '../../lib/graph/document';
import { parseDocument } from './graph';
import { useEditor } from './store';

export interface WorkingGraph {
  version: 1;
  document: GraphDocument;
  /** The description as written (the document leaves it out once the graph changed), and for which graph. */
  description: string | null;
  descriptionFor: string | null;
  savedKey: string;
  presetId: string | null;
  at: number;
}

/** Writes are this long after the last edit (a drag is many edits). */
const DEBOUNCE_MS = 400;

function key(path: string): string {
  return `spgd-working-graph:${path}`;
}

/** The working graph kept for this page, or null (none, unreadable, or from an app that cannot read it). */
export async function readWorkingGraph(path: string): Promise<WorkingGraph | null> {
  try {
    const rec = await get<WorkingGraph>(key(path));
    if (rec?.version !== 1) return null;
    const parsed = parseDocument(rec.document);
    return parsed.ok ? { ...rec, document: parsed.doc } : null;
  } catch {
    return null;
  }
}

/** Keeps the store's graph in IndexedDB while the editor is open; `ready` once the first graph is in. */
export function useAutosave(path: string, ready: boolean): void {
  useEffect(() => {
    if (!ready) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const write = () => {
      const s = useEditor.getState();
      const rec: WorkingGraph = {
        version: 1,
        document: s.document(),
        description: s.meta.description ?? null,
        descriptionFor: s.meta.descriptionFor ?? null,
        savedKey: s.savedKey,
        presetId: s.presetId,
        at: Date.now(),
      };
      set(key(path), rec)
        .then(() => useEditor.setState({ autosavedAt: rec.at }))
        .catch((e: unknown) => useEditor.getState().toast('error', `Could not keep the graph in this browser (${e instanceof Error ? e.message : String(e)}): save it as a preset or export it.`));
    };
    const unsubscribe = useEditor.subscribe((s, prev) => {
      if (s.nodes === prev.nodes && s.edges === prev.edges && s.meta === prev.meta && s.presetId === prev.presetId && s.savedKey === prev.savedKey) return;
      clearTimeout(timer);
      timer = setTimeout(write, DEBOUNCE_MS);
    });
    // Leaving the page: write what is pending now.
    const flush = () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      write();
    };
    window.addEventListener('pagehide', flush);
    return () => {
      unsubscribe();
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, [path, ready]);
}
