'use client';
/**
 * The editor page: top bar (graph name with its unsaved marker, editing, files, theme, run bar),
 * presets/runs on the left, the canvas, params on the right, and a dock below for the result,
 * the port inspector, the step timeline, the gradient-angle charts and the A/B compare. On
 * narrow screens the side panels open over the canvas from the top bar.
 *
 * Nothing is lost on reload: the working graph is kept in the browser as it is edited
 * (./autosave.ts) and comes back; Ctrl+S saves it as a preset, and leaving with unsaved
 * changes asks first.
 */
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { GraphDocument } from '../../lib/graph/document';
import { AddNodeSearch } from './AddNodeSearch';
import { AngleCharts } from './AngleCharts';
import { useAutosave } from './autosave';
import { Canvas } from './Canvas';
import { ComparePanel } from './ComparePanel';
import { ContextMenu } from './ContextMenu';
import { downloadBlob, exportGraphJson, fileNameFor, graphFromFile, pngWithGraph } from './files';
import { contentKey, toDocument } from './graph';
import { Inspector } from './Inspector';
import { MaskPainter } from './MaskPainter';
import { ParamsPanel } from './ParamsPanel';
import { PresetsPanel } from './PresetsPanel';
import { ResultPanel } from './ResultPanel';
import { RunBar } from './RunBar';
import { RunHistory } from './RunHistory';
import { StepTimeline } from './StepTimeline';
import { useSaveGraph } from './presetSave';
import { useEditor, type BottomTab } from './store';
import { syncTheme, toggleTheme, useTheme } from './theme';
import { WorkersPanel } from './WorkersPanel';
import { errorMessage, RunEventsListener, useBrowserRunRecorder, useCompileWatcher, useInitialGraph, useRunControls } from './useServer';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

/** Editor keyboard shortcuts (ignored while typing in a field, except Ctrl+Enter and Ctrl+S). */
function useShortcuts(run: () => void, save: () => void) {
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
      if (mod && key === 's') {
        e.preventDefault();
        save();
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
      } else if (mod && key === 'g') {
        e.preventDefault();
        if (!s.groupSelection()) s.toast('info', 'Select the nodes to group first.');
      } else if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
        e.preventDefault();
        s.removeSelection();
      } else if (e.key === 'Escape') {
        s.selectOnly(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run, save]);
}

/** Whether the graph differs from what was last saved (a preset, a file). */
function useUnsaved(): boolean {
  const { nodes, edges, meta, savedKey } = useEditor(useShallow((s) => ({ nodes: s.nodes, edges: s.edges, meta: s.meta, savedKey: s.savedKey })));
  return useMemo(() => contentKey(toDocument(nodes, edges, meta)) !== savedKey, [nodes, edges, meta, savedKey]);
}

/** The tab title carries the unsaved marker; leaving with unsaved changes asks first. */
function useUnsavedGuard(unsaved: boolean, name: string | undefined): void {
  useEffect(() => {
    document.title = `${unsaved ? '● ' : ''}${name || 'untitled graph'} · SPGD Studio`;
  }, [unsaved, name]);
  useEffect(() => {
    if (!unsaved) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);
}

function Btn({ children, onClick, title, testId, disabled, className = '' }: { children: ReactNode; onClick: () => void; title?: string; testId?: string; disabled?: boolean; className?: string }) {
  return (
    <button
      onClick={onClick}
      title={title}
      disabled={disabled}
      className={`flex-none whitespace-nowrap rounded px-2 py-1 text-[12px] text-ink-300 hover:bg-ink-700 hover:text-ink-100 disabled:opacity-35 disabled:hover:bg-transparent ${className}`}
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
    <div className="pointer-events-none fixed bottom-3 right-3 z-50 flex w-96 max-w-[calc(100vw-1.5rem)] flex-col gap-1.5">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`pointer-events-auto flex items-start gap-2 rounded border px-3 py-2 text-[12px] shadow-xl ${
            t.kind === 'error' ? 'border-bad/60 bg-bad-bg text-bad-fg' : t.kind === 'ok' ? 'border-ok/50 bg-ok-bg text-ok-fg' : 'border-ink-600 bg-ink-800 text-ink-200'
          }`}
          role={t.kind === 'error' ? 'alert' : 'status'}
          data-testid="toast"
          data-kind={t.kind}
        >
          <span className="min-w-0 flex-1 break-words">{t.text}</span>
          <button onClick={() => dismiss(t.id)} className="text-ink-400 hover:text-ink-100" aria-label="dismiss">
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
  const [tall, setTall] = useState(false);
  return (
    <section className={`flex flex-none flex-col border-t border-ink-700 bg-ink-900 ${open ? (tall ? 'h-[70vh]' : 'h-[300px] max-h-[45vh]') : 'h-8'}`} data-testid="dock" data-tall={tall}>
      <nav className="scroll-thin flex h-8 flex-none items-center gap-0.5 overflow-x-auto border-b border-ink-800 px-2">
        {TABS.map((t) => (
          <button
            key={t.id}
            onClick={() => setTab(t.id)}
            className={`flex-none whitespace-nowrap rounded px-2.5 py-1 text-[12px] ${open && tab === t.id ? 'bg-ink-700 text-ink-100' : 'text-ink-400 hover:text-ink-200'}`}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
            {t.id === 'angles' && traced && <span className="ml-1 inline-block h-1.5 w-1.5 rounded-full bg-accent align-middle" />}
          </button>
        ))}
        <button className="ml-auto px-2 text-ink-500 hover:text-ink-200" onClick={() => { setOpen(true); setTall(!tall); }} title={tall ? 'Back to normal height' : 'Taller (larger pictures)'} data-testid="dock-tall">
          {tall ? '⤓' : '⤢'}
        </button>
        <button className="px-2 text-ink-500 hover:text-ink-200" onClick={() => setOpen(!open)} title={open ? 'Collapse' : 'Expand'}>
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

/** On narrow screens the side panels lie over the canvas, opened from the top bar. */
const OVERLAY = 'max-md:absolute max-md:inset-y-0 max-md:z-30 max-md:shadow-2xl';

function SideBar() {
  const tab = useEditor((s) => s.sideTab);
  const setTab = useEditor((s) => s.setSideTab);
  const open = useEditor((s) => s.panel === 'left');
  return (
    <aside className={`w-60 flex-none flex-col border-r border-ink-700 bg-ink-900 md:flex ${OVERLAY} max-md:left-0 ${open ? 'flex' : 'hidden'}`} data-testid="side-bar">
      <nav className="flex h-8 flex-none border-b border-ink-700">
        {(['presets', 'runs', 'workers'] as const).map((t) => (
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
      <div className="min-h-0 flex-1">{tab === 'presets' ? <PresetsPanel /> : tab === 'runs' ? <RunHistory /> : <WorkersPanel />}</div>
    </aside>
  );
}

/** Import, export and the result PNG: buttons on wide screens, one menu on narrower ones. */
function FileActions({ onImport, onExport, onSaveImage }: { onImport: () => void; onExport: () => void; onSaveImage: () => void }) {
  const [open, setOpen] = useState(false);
  const items = [
    { id: 'import', label: 'Import', title: 'Import a graph JSON or a result PNG', run: onImport },
    { id: 'export', label: 'Export', title: 'Download the graph as JSON', run: onExport },
    { id: 'save-image', label: 'Save image', title: 'Download the result PNG with the graph embedded', run: onSaveImage },
  ];
  return (
    <>
      <div className="hidden items-center xl:flex">
        {items.map((it) => (
          <Btn key={it.id} onClick={it.run} title={it.title} testId={`${it.id}-button`}>
            {it.label}
          </Btn>
        ))}
      </div>
      <div className="relative xl:hidden">
        <Btn onClick={() => setOpen(!open)} title="Import, export, save image" testId="file-menu-button">
          File ▾
        </Btn>
        {open && (
          <div className="absolute left-0 top-8 z-50 w-40 rounded border border-ink-600 bg-ink-850 py-1 shadow-xl" onMouseLeave={() => setOpen(false)}>
            {items.map((it) => (
              <button
                key={it.id}
                className="block w-full px-3 py-1 text-left text-[12.5px] text-ink-200 hover:bg-accent/20"
                title={it.title}
                onClick={() => {
                  setOpen(false);
                  it.run();
                }}
                data-testid={`file-menu-${it.id}`}
              >
                {it.label}
              </button>
            ))}
          </div>
        )}
      </div>
    </>
  );
}

function EditorShell({ initialDocument }: { initialDocument?: GraphDocument }) {
  const [path] = useState(() => (typeof window === 'undefined' ? '/' : window.location.pathname));
  const ready = useInitialGraph(path, initialDocument);
  useAutosave(path, ready);
  useCompileWatcher();
  useBrowserRunRecorder();
  useEffect(() => syncTheme(), []);
  const theme = useTheme();
  const { run: startRun, cancel: cancelRun } = useRunControls();
  const { save: saveGraph } = useSaveGraph();
  // Both report their own failures (toasts, the run state): nothing to await.
  const run = useCallback(() => void startRun(), [startRun]);
  const cancel = useCallback(() => void cancelRun(), [cancelRun]);
  const save = useCallback(() => void saveGraph(), [saveGraph]);
  useShortcuts(run, save);
  const { name, canUndo, canRedo, undo, redo, autosavedAt, panel, setPanel } = useEditor(
    useShallow((s) => ({
      name: s.meta.name,
      canUndo: s.past.length > 0,
      canRedo: s.future.length > 0,
      undo: s.undo,
      redo: s.redo,
      autosavedAt: s.autosavedAt,
      panel: s.panel,
      setPanel: s.setPanel,
    })),
  );
  const unsaved = useUnsaved();
  useUnsavedGuard(unsaved, name);
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
      s.toast('error', `Not imported: ${file.name}: ${r.error}`);
      return;
    }
    s.loadDocument(r.doc, { presetId: null });
    s.toast('ok', `Imported ${file.name}`);
  }, []);
  const exportJson = useCallback(() => {
    exportGraphJson(useEditor.getState().document());
    useEditor.getState().markSaved();
  }, []);

  return (
    <div className="flex h-dvh flex-col" data-testid="editor" data-ready={ready} data-autosaved-at={autosavedAt} data-unsaved={unsaved}>
      <RunEventsListener />
      <header className="flex h-11 flex-none items-center gap-1.5 overflow-hidden border-b border-ink-700 bg-ink-900 px-2 md:gap-2 md:px-3">
        <button className="flex-none rounded px-1.5 py-1 text-ink-300 hover:bg-ink-700 md:hidden" onClick={() => setPanel(panel === 'left' ? null : 'left')} title="Presets and runs" data-testid="toggle-left-panel">
          ☰
        </button>
        <div className="flex flex-none items-center gap-1.5 pr-1">
          <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden>
            <circle cx="4" cy="4" r="2.5" fill="#5b9cff" />
            <circle cx="14" cy="9" r="2.5" fill="#b57cff" />
            <circle cx="4" cy="14" r="2.5" fill="#3ecf8e" />
            <path d="M6 4.5 C10 4.5 10 9 12 9 M6 13.5 C10 13.5 10 9 12 9" stroke="#8793a6" strokeWidth="1.3" fill="none" />
          </svg>
          <span className="hidden text-[13px] font-semibold tracking-tight text-ink-100 lg:inline">SPGD Studio</span>
        </div>
        <div className="flex min-w-0 flex-shrink items-center">
          {unsaved && (
            <span className="flex-none text-[14px] leading-none text-warn" title="Unsaved changes (Ctrl+S saves; the working graph is kept in this browser)" data-testid="unsaved-marker">
              ●
            </span>
          )}
          <input
            value={name ?? ''}
            onChange={(e) => useEditor.getState().setGraphName(e.target.value)}
            placeholder="untitled graph"
            className="w-28 min-w-0 rounded border border-transparent bg-transparent px-1.5 py-0.5 text-[12.5px] text-ink-200 outline-none hover:border-ink-700 focus:border-accent sm:w-40 2xl:w-64"
            data-testid="graph-name"
            aria-label="graph name"
          />
        </div>
        <div className="mx-0.5 hidden h-5 w-px flex-none bg-ink-700 sm:block" />
        <Btn onClick={() => useEditor.getState().setSearchOpen(true)} title="Add a node (/, Ctrl+K, or double-click the canvas)" testId="add-node-button" className="max-sm:hidden">
          + Node
        </Btn>
        <Btn onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)" testId="undo-button" className="max-md:hidden">
          Undo
        </Btn>
        <Btn onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" testId="redo-button" className="max-md:hidden">
          Redo
        </Btn>
        <Btn onClick={save} title="Save as a preset (Ctrl+S)" testId="save-button" className="max-lg:hidden">
          Save
        </Btn>
        <div className="mx-0.5 hidden h-5 w-px flex-none bg-ink-700 sm:block" />
        <div className="max-sm:hidden">
          <FileActions onImport={() => fileInput.current?.click()} onExport={exportJson} onSaveImage={saveImage} />
        </div>
        <Btn onClick={toggleTheme} title={theme === 'dark' ? 'Light theme' : 'Dark theme'} testId="theme-toggle" className="max-sm:hidden">
          {theme === 'dark' ? '☀' : '☾'}
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
        <div className="ml-auto min-w-0">
          <RunBar onRun={run} onCancel={cancel} />
        </div>
        <button className="flex-none rounded px-1.5 py-1 text-ink-300 hover:bg-ink-700 md:hidden" onClick={() => setPanel(panel === 'right' ? null : 'right')} title="Params" data-testid="toggle-right-panel">
          ⚙
        </button>
      </header>
      <div className="relative flex min-h-0 flex-1">
        <SideBar />
        <main className="flex min-w-0 flex-1 flex-col">
          <div className="min-h-0 flex-1">
            <Canvas />
          </div>
          <Dock onSaveImage={saveImage} />
        </main>
        <aside className={`scroll-thin w-72 flex-none overflow-y-auto border-l border-ink-700 bg-ink-900 md:block ${OVERLAY} max-md:right-0 ${panel === 'right' ? 'block' : 'hidden'}`} data-testid="params-aside">
          <ParamsPanel />
        </aside>
      </div>
      <AddNodeSearch />
      <ContextMenu />
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
