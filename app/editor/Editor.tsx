'use client';
/**
 * The editor page: top bar (graph name, editing, files, run bar), presets/runs on the left,
 * the canvas, params on the right, and a dock below for the result, the port inspector, the
 * step timeline, the gradient-angle charts and the A/B compare.
 */
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useRef, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { GraphDocument } from '../../lib/graph/document';
import { AddNodeSearch } from './AddNodeSearch';
import { AngleCharts } from './AngleCharts';
import { Canvas } from './Canvas';
import { ComparePanel } from './ComparePanel';
import { downloadBlob, exportGraphJson, fileNameFor, graphFromFile, pngWithGraph } from './files';
import { Inspector } from './Inspector';
import { MaskPainter } from './MaskPainter';
import { ParamsPanel } from './ParamsPanel';
import { PresetsPanel } from './PresetsPanel';
import { ResultPanel } from './ResultPanel';
import { RunBar } from './RunBar';
import { RunHistory } from './RunHistory';
import { StepTimeline } from './StepTimeline';
import { useEditor, type BottomTab } from './store';
import { errorMessage, RunEventsListener, useCompileWatcher, useInitialGraph, useRunControls } from './useServer';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

/** Editor keyboard shortcuts (ignored while typing in a field, except Ctrl+Enter). */
function useShortcuts(run: () => void) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = useEditor.getState();
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'enter') {
        e.preventDefault();
        run();
        return;
      }
      if (s.searchOpen || isTyping(e.target)) return;
      if ((mod && key === 'k') || (!mod && e.key === '/')) {
        e.preventDefault();
        s.setSearchOpen(true);
      } else if (mod && key === 'd') {
        e.preventDefault();
        s.duplicateSelection();
      } else if (mod && key === 'c') {
        if (window.getSelection()?.toString()) return;
        s.copySelection();
      } else if (mod && key === 'v') {
        e.preventDefault();
        s.paste();
      } else if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) s.redo();
        else s.undo();
      } else if (mod && key === 'y') {
        e.preventDefault();
        s.redo();
      } else if (mod && key === 'a') {
        e.preventDefault();
        s.selectAll();
      } else if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
        e.preventDefault();
        s.removeSelection();
      } else if (e.key === 'Escape') {
        s.selectOnly(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run]);
}

function Btn({ children, onClick, title, testId, disabled }: { children: ReactNode; onClick: () => void; title?: string; testId?: string; disabled?: boolean }) {
  return (
    <button
      onClick={onClick}
      title={title}
      disabled={disabled}
      className="rounded px-2 py-1 text-[12px] text-ink-300 hover:bg-ink-700 hover:text-ink-100 disabled:opacity-35 disabled:hover:bg-transparent"
      data-testid={testId}
    >
      {children}
    </button>
  );
}

function Toasts() {
  const toasts = useEditor((s) => s.toasts);
  const dismiss = useEditor((s) => s.dismissToast);
  return (
    <div className="pointer-events-none fixed bottom-3 right-3 z-50 flex w-96 flex-col gap-1.5">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`pointer-events-auto flex items-start gap-2 rounded border px-3 py-2 text-[12px] shadow-xl ${
            t.kind === 'error' ? 'border-bad/60 bg-[#2a1417] text-[#ffb3b5]' : t.kind === 'ok' ? 'border-ok/50 bg-[#11251c] text-[#a7f0cd]' : 'border-ink-600 bg-ink-800 text-ink-200'
          }`}
          role={t.kind === 'error' ? 'alert' : 'status'}
          data-testid="toast"
          data-kind={t.kind}
        >
          <span className="min-w-0 flex-1 break-words">{t.text}</span>
          <button onClick={() => dismiss(t.id)} className="text-ink-400 hover:text-ink-100">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}

const TABS: { id: BottomTab; label: string }[] = [
  { id: 'result', label: 'Result' },
  { id: 'inspector', label: 'Inspector' },
  { id: 'timeline', label: 'Step timeline' },
  { id: 'angles', label: 'Gradient angles' },
  { id: 'compare', label: 'A/B compare' },
];

function Dock({ onSaveImage }: { onSaveImage: () => void }) {
  const { tab, open, setTab, setOpen, traced } = useEditor(
    useShallow((s) => ({ tab: s.bottomTab, open: s.bottomOpen, setTab: s.setBottomTab, setOpen: s.setBottomOpen, traced: Object.keys(s.run.traces).length > 0 })),
  );
  return (
    <section className={`flex flex-none flex-col border-t border-ink-700 bg-ink-900 ${open ? 'h-[300px]' : 'h-8'}`} data-testid="dock">
      <nav className="flex h-8 flex-none items-center gap-0.5 border-b border-ink-800 px-2">
        {TABS.map((t) => (
          <button
            key={t.id}
            onClick={() => setTab(t.id)}
            className={`rounded px-2.5 py-1 text-[12px] ${open && tab === t.id ? 'bg-ink-700 text-ink-100' : 'text-ink-400 hover:text-ink-200'}`}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
            {t.id === 'angles' && traced && <span className="ml-1 inline-block h-1.5 w-1.5 rounded-full bg-accent align-middle" />}
          </button>
        ))}
        <button className="ml-auto px-2 text-ink-500 hover:text-ink-200" onClick={() => setOpen(!open)} title={open ? 'Collapse' : 'Expand'}>
          {open ? '▾' : '▴'}
        </button>
      </nav>
      {open && (
        <div className="min-h-0 flex-1 overflow-auto">
          {tab === 'result' && <ResultPanel onSaveImage={onSaveImage} />}
          {tab === 'inspector' && <Inspector />}
          {tab === 'timeline' && <StepTimeline />}
          {tab === 'angles' && <AngleCharts />}
          {tab === 'compare' && <ComparePanel />}
        </div>
      )}
    </section>
  );
}

function SideBar() {
  const tab = useEditor((s) => s.sideTab);
  const setTab = useEditor((s) => s.setSideTab);
  return (
    <aside className="flex w-60 flex-none flex-col border-r border-ink-700 bg-ink-900">
      <nav className="flex h-8 flex-none border-b border-ink-700">
        {(['presets', 'runs'] as const).map((t) => (
          <button
            key={t}
            onClick={() => setTab(t)}
            className={`flex-1 text-[12px] capitalize ${tab === t ? 'border-b-2 border-accent text-ink-100' : 'text-ink-400 hover:text-ink-200'}`}
            data-testid={`side-tab-${t}`}
          >
            {t}
          </button>
        ))}
      </nav>
      <div className="min-h-0 flex-1">{tab === 'presets' ? <PresetsPanel /> : <RunHistory />}</div>
    </aside>
  );
}

function EditorShell({ initialDocument }: { initialDocument?: GraphDocument }) {
  useInitialGraph(initialDocument);
  useCompileWatcher();
  const { run: startRun, cancel: cancelRun } = useRunControls();
  // Both report their own failures (toasts, the run state): nothing to await.
  const run = useCallback(() => void startRun(), [startRun]);
  const cancel = useCallback(() => void cancelRun(), [cancelRun]);
  useShortcuts(run);
  const { name, canUndo, canRedo, undo, redo } = useEditor(
    useShallow((s) => ({ name: s.meta.name, canUndo: s.past.length > 0, canRedo: s.future.length > 0, undo: s.undo, redo: s.redo })),
  );
  const fileInput = useRef<HTMLInputElement>(null);

  const saveResultImage = useCallback(async () => {
    const s = useEditor.getState();
    if (s.run.status !== 'finished' || !s.run.resultUrl) {
      s.toast('info', 'Run the graph first: Save image writes the result PNG with this graph embedded.');
      return;
    }
    const doc = s.document();
    // The Save image node's file name, when the graph has one.
    const named = s.nodes.map((n) => n.data.params.filename).find((f): f is string => typeof f === 'string');
    const filename = named ?? fileNameFor(doc, 'png');
    try {
      downloadBlob(await pngWithGraph(s.run.resultUrl, doc), filename);
    } catch (e) {
      s.toast('error', `Save image failed: ${errorMessage(e)}`);
    }
  }, []);
  const saveImage = useCallback(() => void saveResultImage(), [saveResultImage]);

  const importFile = useCallback(async (file: File) => {
    const s = useEditor.getState();
    const r = await graphFromFile(file);
    if (!r.ok) {
      s.toast('error', `${file.name}: ${r.error}`);
      return;
    }
    s.loadDocument(r.doc, { presetId: null });
    s.toast('ok', `Imported ${file.name}`);
  }, []);

  return (
    <div className="flex h-screen flex-col" data-testid="editor">
      <RunEventsListener />
      <header className="flex h-11 flex-none items-center gap-2 border-b border-ink-700 bg-ink-900 px-3">
        <div className="flex items-center gap-1.5 pr-2">
          <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden>
            <circle cx="4" cy="4" r="2.5" fill="#5b9cff" />
            <circle cx="14" cy="9" r="2.5" fill="#b57cff" />
            <circle cx="4" cy="14" r="2.5" fill="#3ecf8e" />
            <path d="M6 4.5 C10 4.5 10 9 12 9 M6 13.5 C10 13.5 10 9 12 9" stroke="#8793a6" strokeWidth="1.3" fill="none" />
          </svg>
          <span className="text-[13px] font-semibold tracking-tight text-ink-100">SPGD Studio</span>
        </div>
        <input
          value={name ?? ''}
          onChange={(e) => useEditor.getState().setGraphName(e.target.value)}
          placeholder="untitled graph"
          className="w-64 rounded border border-transparent bg-transparent px-1.5 py-0.5 text-[12.5px] text-ink-200 outline-none hover:border-ink-700 focus:border-accent"
          data-testid="graph-name"
          aria-label="graph name"
        />
        <div className="mx-1 h-5 w-px bg-ink-700" />
        <Btn onClick={() => useEditor.getState().setSearchOpen(true)} title="Add a node (/ or Ctrl+K)" testId="add-node-button">
          + Node
        </Btn>
        <Btn onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)" testId="undo-button">
          Undo
        </Btn>
        <Btn onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" testId="redo-button">
          Redo
        </Btn>
        <div className="mx-1 h-5 w-px bg-ink-700" />
        <Btn onClick={() => fileInput.current?.click()} title="Import a graph JSON or a result PNG" testId="import-button">
          Import
        </Btn>
        <Btn onClick={() => exportGraphJson(useEditor.getState().document())} title="Download the graph as JSON" testId="export-button">
          Export
        </Btn>
        <Btn onClick={saveImage} title="Download the result PNG with the graph embedded" testId="save-image-button">
          Save image
        </Btn>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json,image/png"
          className="hidden"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void importFile(f);
            e.target.value = '';
          }}
          data-testid="import-input"
        />
        <div className="ml-auto">
          <RunBar onRun={run} onCancel={cancel} />
        </div>
      </header>
      <div className="flex min-h-0 flex-1">
        <SideBar />
        <main className="flex min-w-0 flex-1 flex-col">
          <div className="min-h-0 flex-1">
            <Canvas />
          </div>
          <Dock onSaveImage={saveImage} />
        </main>
        <aside className="scroll-thin w-72 flex-none overflow-y-auto border-l border-ink-700 bg-ink-900">
          <ParamsPanel />
        </aside>
      </div>
      <AddNodeSearch />
      <MaskPainter />
      <Toasts />
    </div>
  );
}

export function Editor({ initialDocument }: { initialDocument?: GraphDocument }) {
  return (
    <ReactFlowProvider>
      <EditorShell initialDocument={initialDocument} />
    </ReactFlowProvider>
  );
}
