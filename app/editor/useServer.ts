'use client';
/**
 * The editor's conversations with the server (docs/api.md): the debounced `graph.compile` that
 * puts problems on the nodes, run start/cancel, the `run.events` subscription that feeds the
 * run state, and the first graph (the built-in default preset).
 */
import { useQueryClient } from '@tanstack/react-query';
import { skipToken } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useEffect, useRef } from 'react';
import type { GraphDocument } from '../../lib/graph/document';
import type { GraphIssues } from '../../lib/graph/validate';
import { useTRPC, useTRPCClient } from '../trpc';
import type { ModelSource } from '../../lib/browser/protocol';
import { cancelBrowserRun, isBrowserRun, startBrowserRun } from './browserRun';
import { fallbackDocument, parseDocument, stableStringify, toSemantic } from './graph';
import { isActive, type RunEvent } from './runTypes';
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
    if (s.nodes.length === 0) return;
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

/**
 * Run and cancel. A server run is one call: run.start compiles, and answers the per-node issues
 * when the graph does not compile. A browser run compiles on the server (graph.compile) and runs
 * the plan in this tab.
 */
export function useRunControls() {
  const client = useTRPCClient();
  const run = useCallback(async () => {
    const s = useEditor.getState();
    if (isActive(s.run.status)) return;
    if (s.nodes.length === 0) {
      s.toast('info', 'The graph is empty: add nodes first (press /).');
      return;
    }
    const document = s.document();
    const key = semanticKey();
    s.runStarting();
    const showIssues = (issues: GraphIssues) => {
      useEditor.getState().setCompile({ status: 'issues', key, issues });
      const n = Object.values(issues.nodes).reduce((a, m) => a + m.length, 0) + issues.graph.length;
      useEditor.getState().runFailed(`the graph has ${n} problem${n === 1 ? '' : 's'}: see the marked nodes`, undefined, 'COMPILE');
    };
    try {
      const choice = useEditor.getState().backendChoice;
      if (choice === 'server') {
        const r = await client.run.start.mutate({ document, backend: 'server' });
        useEditor.getState().setCompile({ status: 'ok', key, issues: { nodes: {}, graph: [] }, plan: r.plan });
        useEditor.getState().runStarted(r.runId, r.position);
        return;
      }
      const c = await client.graph.compile.mutate({ document, backend: 'browser' });
      if (!c.ok) {
        showIssues(c.issues);
        return;
      }
      useEditor.getState().setCompile({ status: 'ok', key, issues: { nodes: {}, graph: [] }, plan: c.plan });
      // The same plan, run in this tab: image and model URLs from the server's lists.
      const [samples, models] = await Promise.all([client.images.samples.query().catch(() => []), client.models.list.query().catch(() => [])]);
      const images: Record<string, string> = {};
      for (const x of samples) images[x.source] = x.url;
      const def = samples.find((x) => x.isDefault);
      if (def) images['sample:default'] = def.url;
      const modelSources: Record<string, ModelSource> = {};
      for (const m of models) {
        if (m.id === 'default') modelSources.default = { url: '/models/spgd-prior-v1.onnx', sha256: m.sha256 };
        else if (m.sha256) modelSources[`sha256:${m.sha256}`] = { url: `/api/assets/${m.sha256}`, sha256: m.sha256 };
      }
      const backend = choice === 'browser-webgpu' ? 'webgpu' : choice === 'browser-wasm' ? 'wasm' : 'auto';
      startBrowserRun({ plan: c.plan, backend, images, models: modelSources });
    } catch (e) {
      // A graph that does not compile: issues per node. A run over the server's limits: the costliest node and RUN_TOO_LARGE.
      const { graphIssues, spgdCode, node } = errorData(e);
      if (graphIssues) showIssues(graphIssues);
      else useEditor.getState().runFailed(errorMessage(e), node ?? undefined, spgdCode ?? undefined);
    }
  }, [client]);

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
        s.showRun({ ...s.run, backend: rec.backend, resultUrl: s.run.resultUrl ?? rec.resultUrl ?? undefined });
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

/** Loads the first graph once: a given document (test fixtures), else the default preset. */
export function useInitialGraph(initial?: GraphDocument): void {
  const client = useTRPCClient();
  const done = useRef(false);
  useEffect(() => {
    if (done.current) return;
    done.current = true;
    const s = useEditor.getState();
    if (initial) {
      s.loadDocument(initial, { keepHistory: false, presetId: null });
      return;
    }
    void (async () => {
      try {
        const list = await client.presets.list.query();
        const def = pickDefaultPreset(list);
        if (def) {
          const p = await client.presets.get.query({ id: def.id });
          const parsed = parseDocument(p.document);
          if (parsed.ok) {
            useEditor.getState().loadDocument(parsed.doc, { keepHistory: false, presetId: p.id });
            return;
          }
          useEditor.getState().toast('error', `The default preset could not be read: ${parsed.error}`);
        }
      } catch (e) {
        useEditor.getState().toast('error', `Server unreachable (${errorMessage(e)}): showing the built-in default graph.`);
      }
      useEditor.getState().loadDocument(fallbackDocument(), { keepHistory: false, presetId: null });
    })();
  }, [client, initial]);
}
