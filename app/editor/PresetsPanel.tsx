'use client';
/**
 * Presets: list (built-ins marked, each with a thumbnail of its picture), load, save the current
 * graph under a name (overwriting asks first; built-ins cannot be overwritten; Ctrl+S lands
 * here when the graph needs a name), delete your own.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTRPC, useTRPCClient, type RouterOutputs } from '../trpc';
import { parseDocument } from './graph';
import { useSaveGraph } from './presetSave';
import { useEditor } from './store';
import { errorMessage } from './useServer';

type PresetRow = RouterOutputs['presets']['list'][number];

export function PresetsPanel() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.presets.list.queryOptions());
  const presetId = useEditor((s) => s.presetId);
  const graphName = useEditor((s) => s.meta.name);
  const [name, setName] = useState('');
  const [confirmOverwrite, setConfirmOverwrite] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [loading, setLoading] = useState<string | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.presets.list.queryKey() });
  const { saveAs } = useSaveGraph();
  const nameInput = useRef<HTMLInputElement>(null);
  // Ctrl+S on a graph without a user preset: ask for the name here.
  const saveAsRequest = useEditor((s) => s.saveAsRequest);
  useEffect(() => {
    if (saveAsRequest > 0) nameInput.current?.focus();
  }, [saveAsRequest]);

  const save = useMutation({
    mutationFn: async ({ overwrite }: { overwrite: boolean }) => {
      const finalName = (name || graphName || '').trim();
      const r = await saveAs(finalName, { overwrite });
      return { r, finalName };
    },
    onSuccess: ({ r, finalName }) => {
      if (r.ok) {
        setConfirmOverwrite(null);
        useEditor.getState().toast('ok', `Saved preset “${finalName}”`);
        setName('');
      } else if (r.conflict) setConfirmOverwrite(finalName);
      else useEditor.getState().toast('error', `Save failed: ${r.message}`);
    },
  });

  const load = async (p: PresetRow) => {
    setLoading(p.id);
    try {
      const full = await client.presets.get.query({ id: p.id });
      const parsed = parseDocument(full.document);
      if (!parsed.ok) throw new Error(parsed.error);
      useEditor.getState().loadDocument(parsed.doc, { presetId: p.id });
      useEditor.getState().toast('info', `Loaded “${p.name}”`);
    } catch (e) {
      useEditor.getState().toast('error', `Could not load “${p.name}”: ${errorMessage(e)}`);
    } finally {
      setLoading(null);
    }
  };

  const remove = async (p: PresetRow) => {
    try {
      await client.presets.delete.mutate({ id: p.id });
      setConfirmDelete(null);
      if (useEditor.getState().presetId === p.id) useEditor.setState({ presetId: null });
      useEditor.getState().toast('info', `Deleted “${p.name}”`);
      void invalidate();
    } catch (e) {
      useEditor.getState().toast('error', `Delete failed: ${errorMessage(e)}`);
    }
  };

  return (
    <div className="flex h-full flex-col" data-testid="presets-panel">
      <form
        className="flex gap-1 border-b border-ink-700 p-2"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ overwrite: false });
        }}
      >
        <input
          ref={nameInput}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setConfirmOverwrite(null);
          }}
          placeholder={graphName ? `Save as “${graphName}”` : 'Preset name'}
          className="min-w-0 flex-1 rounded border border-ink-700 bg-ink-950 px-1.5 py-1 text-[12px] outline-none focus:border-accent"
          data-testid="preset-name"
        />
        <button type="submit" disabled={save.isPending} className="rounded bg-ink-700 px-2 text-[12px] hover:bg-ink-600 disabled:opacity-50" data-testid="preset-save">
          Save
        </button>
      </form>
      {confirmOverwrite && (
        <div className="flex items-center gap-2 border-b border-ink-700 bg-warn/10 p-2 text-[12px] text-warn" data-testid="preset-overwrite-prompt">
          <span className="min-w-0 flex-1">“{confirmOverwrite}” exists. Overwrite it?</span>
          <button className="rounded bg-warn/80 px-2 py-0.5 text-ink-950" onClick={() => save.mutate({ overwrite: true })} data-testid="preset-overwrite">
            Overwrite
          </button>
          <button className="px-1 text-ink-400" onClick={() => setConfirmOverwrite(null)}>
            ✕
          </button>
        </div>
      )}
      <ul className="scroll-thin min-h-0 flex-1 overflow-y-auto py-1">
        {list.isLoading && <li className="px-3 py-2 text-ink-500">loading…</li>}
        {list.error && <li className="px-3 py-2 text-bad">Presets unavailable: {list.error.message}</li>}
        {list.data?.map((p) => (
          <li
            key={p.id}
            className={`group flex items-center gap-2 px-2 py-1.5 hover:bg-ink-800 ${presetId === p.id ? 'bg-accent/10' : ''}`}
            data-testid={`preset-${p.id}`}
            data-name={p.name}
          >
            {p.thumbnail ? (
              <img src={p.thumbnail} alt="" className="h-9 w-9 flex-none rounded border border-ink-700 object-cover" data-testid={`preset-thumb-${p.id}`} />
            ) : (
              <div className="flex h-9 w-9 flex-none items-center justify-center rounded border border-ink-700 bg-ink-800 text-[9px] text-ink-500">graph</div>
            )}
            <button className="min-w-0 flex-1 text-left" onClick={() => void load(p)} title={p.description} data-testid={`preset-load-${p.id}`}>
              <div className="truncate text-[12px] text-ink-100">{p.name}</div>
              <div className="flex items-center gap-1 text-[10.5px] text-ink-500">
                {p.builtIn && <span className="flex-none whitespace-nowrap rounded bg-ink-700 px-1 text-ink-300" data-testid="preset-builtin">built-in</span>}
                <span className="truncate">{p.tags.filter((t) => t !== 'built-in').join(' · ')}</span>
                {loading === p.id && <span>loading…</span>}
              </div>
            </button>
            {!p.builtIn &&
              (confirmDelete === p.id ? (
                <button className="rounded bg-bad/80 px-1.5 text-[11px] text-white" onClick={() => void remove(p)} data-testid={`preset-delete-confirm-${p.id}`}>
                  delete?
                </button>
              ) : (
                <button
                  className="invisible px-1 text-ink-500 hover:text-bad group-hover:visible"
                  onClick={() => setConfirmDelete(p.id)}
                  title="Delete preset"
                  data-testid={`preset-delete-${p.id}`}
                >
                  ✕
                </button>
              ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
