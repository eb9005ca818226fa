'use client';
/**
 * The editor's conversations with the server (docs/api.md): the debounced `graph.compile` that
 * puts problems on the nodes, run start/cancel, the `run.events` subscription that feeds the
 * run state, and the first graph (the built-in default preset).
 */
import { useQueryClient } from '@tanstack/react-query';
import { skipToken } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { GraphDocument } from '../../lib/graph/document';
import type { GraphIssues } from '../../lib/graph/validate';
import { useTRPC, useTRPCClient } from '../trpc';
import type { ModelSource } from '../../lib/browser/protocol';
import { readWorkingGraph } from './autosave';
import { cancelBrowserRun, isBrowserRun, priceBrowserPlan, setBrowserRunRecorder, startBrowserRun, type EndedBrowserRun } from './browserRun';
import { browserBackendOf } from './browserSpeed';
import { fallbackDocument, parseDocument, semanticKey as docSemanticKey, stableStringify, toSemantic } from './graph';
import { IDLE_RUN, isActive, runBackendLabel, type BackendChoice, type RunEvent } from './runTypes';
import { useEditor } from './store';

export function errorMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) return String(e.message);
  return String(e);
}

function semanticKey(): string {
  const s = useEditor.getState();
  return stableStringify(toSemantic(s.nodes, s.edges));
}

/** Compiles the graph shortly after every semantic edit; problems land on their nodes. */
export function useCompileWatcher(): void {
  const client = useTRPCClient();
  const revision = useEditor((s) => s.revision);
  useEffect(() => {
    const s = useEditor.getState();
    // A failed run's status belongs to the graph it ran: an edit may have fixed it.
    if (revision > 0) s.clearStaleFailure();
    if (s.nodes.length === 0) {
      // Nothing to compile: no plan, no problems (the last graph's stay no longer).
      if (s.compile.status !== 'idle' || s.compile.plan) s.setCompile({ status: 'idle', issues: { nodes: {}, graph: [] } });
      return;
    }
    const key = semanticKey();
    if (s.compile.key === key && (s.compile.status === 'ok' || s.compile.status === 'issues')) return;
    s.setCompile({ status: 'pending', key, issues: s.localIssues(), plan: undefined });
    let live = true;
    const compile = async () => {
      const document = useEditor.getState().document();
      try {
        const r = await client.graph.compile.mutate({ document });
        if (!live || semanticKey() !== key) return;
        if (r.ok) useEditor.getState().setCompile({ status: 'ok', key, issues: { nodes: {}, graph: [] }, plan: r.plan });
        else useEditor.getState().setCompile({ status: 'issues', key, issues: r.issues });
      } catch {
        // Server unreachable: keep the local check (the same lib/graph/validate.ts rules).
        if (live && semanticKey() === key) useEditor.getState().setCompile({ status: 'offline', key, issues: useEditor.getState().localIssues() });
      }
    };
    const t = setTimeout(() => void compile(), 350);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [revision, client]);
}

interface ErrorData {
  graphIssues?: GraphIssues | null;
  spgdCode?: string | null;
  node?: string | null;
}

/** The `data` of a tRPC error (server/trpc.ts errorFormatter). */
function errorData(e: unknown): ErrorData {
  return (e as { data?: ErrorData } | null)?.data ?? {};
}

/** The per-node issues a failed run.start or graph.compile carries (BAD_REQUEST with data.graphIssues). */
function graphIssuesOf(e: unknown): GraphIssues | null {
  return errorData(e).graphIssues ?? null;
}

/**
 * Run, queue and cancel. A server run is one call: run.start compiles (answering the per-node
 * issues when the graph does not compile) and queues it on the server. A browser run compiles on
 * the server (graph.compile), is priced again with this tab's own speeds, and runs in this tab.
 * Run while a run is going queues the graph as it is now: server runs are queued on the server at
 * once, browser runs wait in this tab; each becomes the current run when the one before ends.
 */
export function useRunControls() {
  const client = useTRPCClient();

  const startBrowser = useCallback(
    async (document: GraphDocument, choice: BackendChoice, presetId: string | null) => {
      const c = await client.graph.compile.mutate({ document, backend: 'browser' });
      if (!c.ok) return c.issues;
      // The same plan, run in this tab: image and model URLs from the server's lists.
      const [samples, models] = await Promise.all([client.images.samples.query().catch(() => []), client.models.list.query().catch(() => [])]);
      const images: Record<string, string> = {};
      for (const x of samples) images[x.source] = x.url;
      const def = samples.find((x) => x.isDefault);
      if (def) images['sample:default'] = def.url;
      const modelSources: Record<string, ModelSource> = {};
      for (const m of models) {
        if (m.id === 'default') modelSources.default = { url: '/models/spgd-prior-v1.onnx', sha256: m.sha256, bytes: m.bytes };
        else if (m.sha256) modelSources[`sha256:${m.sha256}`] = { url: `/api/assets/${m.sha256}`, sha256: m.sha256, bytes: m.bytes };
      }
      const backend = browserBackendOf(choice);
      const plan = await priceBrowserPlan(c.plan, backend, modelSources, images);
      startBrowserRun({ plan, backend, images, models: modelSources, document, presetId });
      return null;
    },
    [client],
  );

  /** Starts a run now (nothing else is going): the current run becomes this one. */
  const startNow = useCallback(
    async (document: GraphDocument, choice: BackendChoice, presetId: string | null) => {
      const key = docSemanticKey(document);
      useEditor.getState().runStarting();
      const showIssues = (issues: GraphIssues) => {
        useEditor.getState().setCompile({ status: 'issues', key, issues });
        const n = Object.values(issues.nodes).reduce((a, m) => a + m.length, 0) + issues.graph.length;
        useEditor.getState().runFailed(`the graph has ${n} problem${n === 1 ? '' : 's'}: see the marked nodes`, undefined, 'COMPILE');
      };
      try {
        if (choice === 'server') {
          const r = await client.run.start.mutate({ document, backend: 'server', presetId });
          useEditor.getState().setCompile({ status: 'ok', key, issues: { nodes: {}, graph: [] }, plan: r.plan });
          useEditor.getState().runStarted(r.runId, r.position, r.plan);
          return;
        }
        const issues = await startBrowser(document, choice, presetId);
        if (issues) showIssues(issues);
      } catch (e) {
        // A graph that does not compile: issues per node. A run over the server's limits: RUN_TOO_LARGE, the costliest node.
        const issues = graphIssuesOf(e);
        if (issues) showIssues(issues);
        else {
          const { spgdCode, node } = errorData(e);
          useEditor.getState().runFailed(errorMessage(e), node ?? undefined, spgdCode ?? undefined);
        }
      }
    },
    [client, startBrowser],
  );

  const run = useCallback(async () => {
    const s = useEditor.getState();
    if (s.nodes.length === 0) {
      s.toast('info', 'The graph is empty: add nodes first (press /).');
      return;
    }
    const document = s.document();
    const choice = s.backendChoice;
    if (s.run.status === 'starting') return;
    if (!isActive(s.run.status)) {
      await startNow(document, choice, s.presetId);
      return;
    }
    // A run is going: queue this one behind it.
    if (choice !== 'server') {
      s.enqueue({ runId: null, backend: choice, document, presetId: s.presetId });
      s.toast('info', `Queued: runs in this tab after the current run (${s.queue.length + 1} waiting)`);
      return;
    }
    try {
      const r = await client.run.start.mutate({ document, backend: 'server', presetId: s.presetId });
      useEditor.getState().enqueue({ runId: r.runId, position: r.position, backend: choice, document, plan: r.plan, presetId: s.presetId });
      useEditor.getState().toast('info', `Queued on the server at position ${r.position}`);
    } catch (e) {
      // A graph that does not compile: issues per node; a run over the server's limits: its message gives the estimate and the options.
      const issues = graphIssuesOf(e);
      useEditor.getState().toast('error', issues ? 'Not queued: the graph has problems (see the marked nodes).' : `Not queued: ${errorMessage(e)}`);
      if (issues) useEditor.getState().setCompile({ status: 'issues', key: semanticKey(), issues });
    }
  }, [client, startNow]);

  /** When the current run ends, the next queued one becomes current (a browser run starts now). */
  const status = useEditor((s) => s.run.status);
  const queued = useEditor((s) => s.queue.length);
  useEffect(() => {
    if (isActive(status) || queued === 0) return;
    const next = useEditor.getState().takeQueued();
    if (!next) return;
    if (next.runId) {
      const s = useEditor.getState();
      s.showRun({ ...IDLE_RUN, runId: next.runId, status: 'queued', position: next.position });
      if (next.plan) s.runStarted(next.runId, next.position ?? 0, next.plan);
    } else void startNow(next.document, next.backend, next.presetId);
  }, [status, queued, startNow]);

  const cancel = useCallback(async () => {
    const s = useEditor.getState();
    const runId = s.run.runId;
    if (!runId || !isActive(s.run.status)) return;
    if (isBrowserRun(runId)) {
      cancelBrowserRun(runId);
      return;
    }
    try {
      await client.run.cancel.mutate({ runId });
    } catch (e) {
      useEditor.getState().toast('error', `Cancel failed: ${errorMessage(e)}`);
    }
  }, [client]);
  return { run, cancel };
}

const RECORD_STATUS = { finished: 'finished', error: 'failed', cancelled: 'cancelled' } as const;

/** Stores every browser run that ends in the server's history (`run.record`), with its result picture and trace. */
export function useBrowserRunRecorder(): void {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  useEffect(() => {
    setBrowserRunRecorder((r: EndedBrowserRun) => {
      const st = r.state;
      if (st.status !== 'finished' && st.status !== 'error' && st.status !== 'cancelled') return;
      const png = st.resultUrl?.startsWith('data:image/png;base64,') ? st.resultUrl.slice('data:image/png;base64,'.length) : null;
      const nfe = st.finished?.nfe;
      client.run.record
        .mutate({
          id: r.runId,
          document: r.document,
          presetId: r.presetId,
          backend: st.backend ?? 'browser',
          status: RECORD_STATUS[st.status],
          startedAt: r.startedAt,
          seconds: st.finished?.seconds ?? null,
          nfe: nfe === undefined ? null : typeof nfe === 'number' ? { forward: nfe, vjp: 0 } : nfe,
          metrics: st.finished ? { residual: null, ...st.finished.metrics } : null,
          error: st.error ?? null,
          cached: st.cachedNodes ?? [],
          traces: Object.fromEntries(Object.entries(st.traces).map(([node, list]) => [node, list.map((t) => ({ ...t }))])),
          resultPng: st.status === 'finished' ? png : null,
        })
        .then(() => queryClient.invalidateQueries({ queryKey: trpc.run.list.queryKey() }))
        .catch((e: unknown) => useEditor.getState().toast('error', `The browser run was not stored in the history: ${errorMessage(e)}`));
    });
    return () => setBrowserRunRecorder(null);
  }, [client, queryClient, trpc]);
}

/** Unwraps a tracked() envelope ({id, data}) or takes a plain event as it is. */
function unwrapEvent(d: unknown): RunEvent {
  if (d && typeof d === 'object' && 'data' in d && d.data && typeof d.data === 'object' && 'type' in d.data) {
    return { ...(d.data as RunEvent), id: 'id' in d && typeof d.id === 'string' ? d.id : undefined };
  }
  return d as RunEvent;
}

/** Follows the current run's events; when it ends, fetches its record (result image, backend). */
export function RunEventsListener(): null {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const runId = useEditor((s) => s.run.runId);
  const active = useEditor((s) => isActive(s.run.status));
  const status = useEditor((s) => s.run.status);
  // Browser runs report through the worker, not the server.
  const serverRunId = runId && !isBrowserRun(runId) ? runId : null;

  useSubscription(
    trpc.run.events.subscriptionOptions(serverRunId !== null && active ? { runId: serverRunId } : skipToken, {
      enabled: serverRunId !== null && active,
      onData: (d: unknown) => useEditor.getState().applyRunEvent(unwrapEvent(d)),
      onError: (e: unknown) => useEditor.getState().toast('error', `Lost the run's events: ${errorMessage(e)}`),
    }),
  );

  const fetched = useRef<string | null>(null);
  useEffect(() => {
    if (!runId || isBrowserRun(runId) || isActive(status) || status === 'idle' || fetched.current === `${runId}:${status}`) return;
    fetched.current = `${runId}:${status}`;
    void queryClient.invalidateQueries({ queryKey: trpc.run.list.queryKey() });
    client.run.get
      .query({ runId })
      .then((rec) => {
        const s = useEditor.getState();
        if (s.run.runId !== runId) return;
        s.showRun({ ...s.run, backend: runBackendLabel(rec), resultUrl: s.run.resultUrl ?? rec.resultUrl ?? undefined });
      })
      .catch(() => undefined);
  }, [runId, status, client, queryClient, trpc]);
  return null;
}

export interface PresetSummary {
  id: string;
  name: string;
  description?: string | null;
  tags?: string[];
  builtIn: boolean;
}

/** The built-in SPGD random-inpainting preset, or the closest built-in. */
export function pickDefaultPreset<P extends PresetSummary>(list: readonly P[]): P | undefined {
  const builtIns = list.filter((p) => p.builtIn);
  const text = (p: P) => `${p.id} ${p.name} ${(p.tags ?? []).join(' ')}`.toLowerCase();
  return (
    builtIns.find((p) => (p.tags ?? []).includes('default')) ??
    builtIns.find((p) => /inpaint-random/.test(text(p)) && /spgd/.test(text(p)) && !/dps/.test(text(p))) ??
    builtIns.find((p) => /inpaint-random/.test(text(p))) ??
    builtIns[0]
  );
}

/**
 * Loads the first graph once: the working graph this page kept in the browser (./autosave.ts),
 * else a given document (test fixtures), else the default preset. Returns true once loaded.
 */
export function useInitialGraph(path: string, initial?: GraphDocument): boolean {
  const client = useTRPCClient();
  const done = useRef(false);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (done.current) return;
    done.current = true;
    void (async () => {
      const kept = await readWorkingGraph(path);
      const s = useEditor.getState();
      if (kept) {
        s.loadDocument({ ...kept.document, ...(kept.description ? { description: kept.description } : {}) }, { keepHistory: false, presetId: kept.presetId, savedKey: kept.savedKey, descriptionFor: kept.descriptionFor });
        setReady(true);
        return;
      }
      if (initial) {
        s.loadDocument(initial, { keepHistory: false, presetId: null });
        setReady(true);
        return;
      }
      try {
        const list = await client.presets.list.query();
        const def = pickDefaultPreset(list);
        if (def) {
          const p = await client.presets.get.query({ id: def.id });
          const parsed = parseDocument(p.document);
          if (parsed.ok) {
            useEditor.getState().loadDocument(parsed.doc, { keepHistory: false, presetId: p.id });
            setReady(true);
            return;
          }
          useEditor.getState().toast('error', `The default preset could not be read: ${parsed.error}`);
        }
      } catch (e) {
        useEditor.getState().toast('error', `Server unreachable (${errorMessage(e)}): showing the built-in default graph.`);
      }
      useEditor.getState().loadDocument(fallbackDocument(), { keepHistory: false, presetId: null });
      setReady(true);
    })();
  }, [client, initial, path]);
  return ready;
}
