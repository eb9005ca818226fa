'use client';
/**
 * Saving the graph as a preset (`presets.save`), shared by the presets panel and Ctrl+S. A graph
 * loaded from a user preset is saved back into it; any other graph needs a name first (the
 * presets panel asks). A saved graph is no longer "unsaved" (store `markSaved`).
 */
import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useTRPC, useTRPCClient } from '../trpc';
import { BUILTIN_PRESET_PREFIX } from './graph';
import { useEditor } from './store';
import { errorMessage } from './useServer';

export type SaveOutcome = { ok: true; id: string } | { ok: false; conflict: boolean; message: string };

export function useSaveGraph() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();

  /** Saves under `name` (into the current user preset when `intoCurrent`); a taken name needs `overwrite`. */
  const saveAs = useCallback(
    async (name: string, opts: { overwrite?: boolean; intoCurrent?: boolean } = {}): Promise<SaveOutcome> => {
      const s = useEditor.getState();
      const finalName = name.trim();
      if (!finalName) return { ok: false, conflict: false, message: 'give the preset a name' };
      const document = { ...s.document(), name: finalName };
      const id = opts.intoCurrent && s.presetId && !s.presetId.startsWith(BUILTIN_PRESET_PREFIX) ? s.presetId : undefined;
      try {
        const r = await client.presets.save.mutate({ ...(id ? { id } : {}), name: finalName, description: document.description, document, overwrite: opts.overwrite ?? false });
        useEditor.setState((st) => ({ presetId: r.id, meta: { ...st.meta, name: finalName } }));
        useEditor.getState().markSaved();
        void queryClient.invalidateQueries({ queryKey: trpc.presets.list.queryKey() });
        return { ok: true, id: r.id };
      } catch (e) {
        const code = (e as { data?: { code?: string } }).data?.code;
        const message = errorMessage(e);
        return { ok: false, conflict: code === 'CONFLICT' && !/built-?in/i.test(message), message };
      }
    },
    [client, queryClient, trpc],
  );

  /** Ctrl+S: into the user preset the graph came from, else ask for a name in the presets panel. */
  const save = useCallback(async () => {
    const s = useEditor.getState();
    if (!s.presetId || s.presetId.startsWith(BUILTIN_PRESET_PREFIX) || !s.meta.name) {
      s.requestSaveAs();
      s.toast('info', 'Name the preset to save this graph (Enter saves).');
      return;
    }
    const r = await saveAs(s.meta.name, { intoCurrent: true, overwrite: true });
    if (r.ok) useEditor.getState().toast('ok', `Saved “${s.meta.name}”`);
    else useEditor.getState().toast('error', `Save failed: ${r.message}`);
  }, [saveAs]);

  return { save, saveAs };
}
