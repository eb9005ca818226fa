'use client';
/**
 * The mask painter: opened from a Load mask node (its widget's button), it shows the photo the
 * mask applies to (./maskPhoto.ts) and lets you paint the missing pixels on a mask at the photo's
 * own resolution (lib/image/mask-paint.ts), shown scaled over it: brush, eraser, rectangle,
 * brush size, undo/redo, clear and zoom. Save uploads the mask PNG (white = kept, black =
 * missing) through `images.upload`, records it in the graph's assets with its bytes (so it
 * travels with the graph) and points the node's `source` at it.
 */
import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import { embeddedData } from '../../lib/graph/embedded-assets';
import type { RgbImage } from '../../lib/image';
import {
  blankMask,
  drawSegment,
  fillRect,
  KEPT,
  maskToPng,
  maskToTensor,
  MISSING,
  missingCount,
  pixelAt,
  recordEdit,
  redoEdit,
  startHistory,
  undoEdit,
  type PaintHistory,
  type PaintMask,
  type Point,
} from '../../lib/image/mask-paint';
import { bytesToBase64 } from '../../lib/io/base64';
import { maskFromArray } from '../../lib/operators/user-data';
import { useTRPCClient } from '../trpc';
import { toSemantic } from './graph';
import { maskPhoto } from './maskPhoto';
import { loadPainting, type Painting } from './maskPainterIO';
import { closeNodeTool, useNodeTool } from './nodeTools';
import { useEditor } from './store';
import { errorMessage } from './useServer';

type Tool = 'brush' | 'eraser' | 'rect';

const ZOOMS = [0.125, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16];
const MAX_BRUSH = 200;
/** Missing pixels over the photo: a translucent magenta. */
const MISSING_RGBA = [255, 0, 110, 150] as const;

const btnCls = 'rounded border border-ink-600 px-2 py-0.5 text-[12px] text-ink-200 hover:bg-ink-700 disabled:opacity-40';
const toolCls = (on: boolean) => `rounded px-2 py-0.5 text-[12px] ${on ? 'bg-accent text-white' : 'text-ink-300 hover:bg-ink-700'}`;

/** The zoom that fits the mask into the window (whole steps when it enlarges, for even pixels). */
function fitZoom(width: number, height: number): number {
  const z = Math.min((window.innerWidth - 160) / width, (window.innerHeight - 240) / height);
  return z >= 1 ? Math.min(16, Math.floor(z)) : Math.max(0.05, Math.round(z * 100) / 100);
}

function drawPhoto(canvas: HTMLCanvasElement, photo: RgbImage): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(photo.width, photo.height);
  for (let i = 0; i < photo.width * photo.height; i++) {
    img.data[4 * i] = photo.data[3 * i];
    img.data[4 * i + 1] = photo.data[3 * i + 1];
    img.data[4 * i + 2] = photo.data[3 * i + 2];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Missing pixels in magenta over a photo; without one, the mask as it is saved (white kept, black missing). */
function drawMask(canvas: HTMLCanvasElement, mask: PaintMask, overPhoto: boolean): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(mask.width, mask.height);
  const d = img.data;
  for (let i = 0; i < mask.width * mask.height; i++) {
    const missing = mask.data[i] === MISSING;
    if (overPhoto) {
      if (missing) d.set(MISSING_RGBA, 4 * i);
    } else {
      const v = missing ? 0 : 255;
      d[4 * i] = v;
      d[4 * i + 1] = v;
      d[4 * i + 2] = v;
      d[4 * i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** The painter's canvas stack: the photo, the mask over it, the brush outline and the rectangle being dragged. */
function PaintSurface({
  painting,
  mask,
  tool,
  size,
  zoom,
  onEdit,
}: {
  painting: Painting;
  mask: PaintMask;
  tool: Tool;
  size: number;
  zoom: number;
  onEdit: (next: PaintMask) => void;
}) {
  const { width, height, photo } = painting;
  const photoRef = useRef<HTMLCanvasElement>(null);
  const maskRef = useRef<HTMLCanvasElement>(null);
  const cursorRef = useRef<HTMLDivElement>(null);
  const rectRef = useRef<HTMLDivElement>(null);
  // The stroke or rectangle under way (not yet an undo step).
  const live = useRef<{ mask: PaintMask; last: Point } | { start: Point; end: Point } | null>(null);
  const frame = useRef(0);

  useEffect(() => {
    if (photo && photoRef.current) drawPhoto(photoRef.current, photo);
  }, [photo]);
  useEffect(() => {
    if (maskRef.current) drawMask(maskRef.current, mask, photo !== null);
  }, [mask, photo]);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const toMask = (e: ReactPointerEvent): Point => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * width, y: ((e.clientY - r.top) / r.height) * height };
  };
  const showCursor = (p: Point | null) => {
    const c = cursorRef.current;
    if (!c) return;
    c.style.display = p && tool !== 'rect' ? 'block' : 'none';
    if (p) {
      c.style.left = `${(p.x - size / 2) * zoom}px`;
      c.style.top = `${(p.y - size / 2) * zoom}px`;
      c.style.width = c.style.height = `${size * zoom}px`;
    }
  };
  const showRect = (r: { start: Point; end: Point } | null) => {
    const el = rectRef.current;
    if (!el) return;
    el.style.display = r ? 'block' : 'none';
    if (r) {
      el.style.left = `${Math.min(r.start.x, r.end.x) * zoom}px`;
      el.style.top = `${Math.min(r.start.y, r.end.y) * zoom}px`;
      el.style.width = `${(Math.abs(r.end.x - r.start.x) + 1) * zoom}px`;
      el.style.height = `${(Math.abs(r.end.y - r.start.y) + 1) * zoom}px`;
    }
  };
  const redrawLive = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      const l = live.current;
      if (l && 'mask' in l && maskRef.current) drawMask(maskRef.current, l.mask, photo !== null);
    });
  };

  const onDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const p = toMask(e);
    if (tool === 'rect') {
      const px = pixelAt(mask, p);
      live.current = { start: px, end: px };
      showRect(live.current);
      return;
    }
    const working = { ...mask, data: mask.data.slice() };
    drawSegment(working, p, p, size, tool === 'eraser' ? KEPT : MISSING);
    live.current = { mask: working, last: p };
    redrawLive();
  };
  const onMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const p = toMask(e);
    showCursor(p);
    const l = live.current;
    if (!l) return;
    if ('mask' in l) {
      drawSegment(l.mask, l.last, p, size, tool === 'eraser' ? KEPT : MISSING);
      l.last = p;
      redrawLive();
    } else {
      l.end = pixelAt(mask, p);
      showRect(l);
    }
  };
  const onUp = () => {
    const l = live.current;
    live.current = null;
    if (!l) return;
    if ('mask' in l) onEdit(l.mask);
    else {
      showRect(null);
      onEdit(fillRect(mask, l.start, l.end, MISSING));
    }
  };

  const style = { width: width * zoom, height: height * zoom };
  return (
    <div className="relative flex-none" style={style}>
      {photo && <canvas ref={photoRef} width={width} height={height} className="pixelated absolute inset-0" style={style} />}
      <canvas
        ref={maskRef}
        width={width}
        height={height}
        className={`pixelated absolute inset-0 touch-none ${tool === 'rect' ? 'cursor-crosshair' : 'cursor-none'}`}
        style={style}
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
        onPointerLeave={() => showCursor(null)}
        data-testid="painter-canvas"
      />
      <div ref={cursorRef} className="pointer-events-none absolute hidden rounded-full border border-white mix-blend-difference" />
      <div ref={rectRef} className="pointer-events-none absolute hidden border border-dashed border-white bg-[#ff006e]/30" />
    </div>
  );
}

/** Size of the blank canvas when no photo is wired (changing it starts a new mask). */
function BlankSize({ width, height, onChange }: { width: number; height: number; onChange: (w: number, h: number) => void }) {
  const field = (value: number, set: (v: number) => void, testId: string) => (
    <input
      type="number"
      min={1}
      max={4096}
      value={value}
      onChange={(e) => {
        const v = Math.round(Number(e.target.value));
        if (v >= 1 && v <= 4096) set(v);
      }}
      className="w-16 rounded border border-ink-700 bg-ink-950 px-1 py-0.5 text-[12px]"
      data-testid={testId}
    />
  );
  return (
    <span className="flex items-center gap-1 text-[12px] text-ink-400">
      blank canvas {field(width, (w) => onChange(w, height), 'painter-blank-width')}×{field(height, (h) => onChange(width, h), 'painter-blank-height')} px
    </span>
  );
}

function Toolbar({ children }: { children: ReactNode }) {
  return <div className="flex flex-wrap items-center gap-2 border-b border-ink-700 px-3 py-2">{children}</div>;
}

function Painter({ node }: { node: string }) {
  const client = useTRPCClient();
  const [painting, setPainting] = useState<Painting | null>(null);
  const [history, setHistory] = useState<PaintHistory | null>(null);
  const [tool, setTool] = useState<Tool>('brush');
  const [size, setSize] = useState(8);
  const [zoom, setZoom] = useState(1);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const s = useEditor.getState();
    const params = s.nodes.find((n) => n.id === node)?.data.params;
    const photo = maskPhoto(toSemantic(s.nodes, s.edges), node);
    loadPainting(photo, params?.source, s.meta.assets)
      .then((p) => {
        if (!live) return;
        setPainting(p);
        setHistory(startHistory(p.mask));
        setZoom(fitZoom(p.width, p.height));
        setSize(Math.max(2, Math.round(Math.min(p.width, p.height) / 24)));
      })
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [node]);

  const edit = useCallback((next: PaintMask) => setHistory((h) => (h ? recordEdit(h, next) : h)), []);
  const undo = useCallback(() => setHistory((h) => (h ? undoEdit(h) : h)), []);
  const redo = useCallback(() => setHistory((h) => (h ? redoEdit(h) : h)), []);
  const dirty = (history?.past.length ?? 0) > 0;
  const close = useCallback(() => {
    if (!dirty || window.confirm('Discard the painted changes?')) closeNodeTool();
  }, [dirty]);
  const stepZoom = useCallback((dir: 1 | -1) => {
    setZoom((z) => (dir > 0 ? (ZOOMS.find((s) => s > z + 1e-9) ?? z) : ([...ZOOMS].reverse().find((s) => s < z - 1e-9) ?? z)));
  }, []);

  // Painter keys, ahead of the editor's own shortcuts (which must not act on the graph meanwhile).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      e.stopPropagation();
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) redo();
        else undo();
      } else if (mod && key === 'y') {
        e.preventDefault();
        redo();
      } else if (mod) return;
      else if (key === 'b') setTool('brush');
      else if (key === 'e') setTool('eraser');
      else if (key === 'r') setTool('rect');
      else if (key === '[') setSize((s) => Math.max(1, s - 1));
      else if (key === ']') setSize((s) => Math.min(MAX_BRUSH, s + 1));
      else if (key === '+' || key === '=') stepZoom(1);
      else if (key === '-') stepZoom(-1);
      else if (key === 'escape') close();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [undo, redo, stepZoom, close]);

  const save = async () => {
    if (!history) return;
    const mask = history.present;
    try {
      // The checks the run applies (maskFromArray): something missing, something kept.
      maskFromArray(maskToTensor(mask));
    } catch (e) {
      setError(errorMessage(e));
      return;
    }
    if (!useEditor.getState().nodes.some((n) => n.id === node)) {
      setError(`the node '${node}' is no longer in the graph`);
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const png = maskToPng(mask);
      const base64 = bytesToBase64(png);
      const name = `mask-${node}.png`;
      const rec = await client.images.upload.mutate({ name, base64 });
      if (rec.width !== mask.width || rec.height !== mask.height) throw new Error(`the server read the mask as ${rec.width}x${rec.height} px`);
      const travels = embeddedData(png, base64);
      const s = useEditor.getState();
      s.addAsset(rec.sha256, { kind: 'image', name, bytes: png.length, ...travels });
      s.setParam(node, 'source', `sha256:${rec.sha256}`);
      if (!travels.data) s.toast('info', `The mask PNG is ${Math.round(png.length / 1024)} KiB: too large to travel inside the graph, it stays on this server.`);
      s.toast('ok', `Mask saved: ${missingCount(mask)} px missing`);
      closeNodeTool();
    } catch (e) {
      setError(`Save failed: ${errorMessage(e)}`);
    } finally {
      setSaving(false);
    }
  };

  const mask = history?.present;
  const missing = mask ? missingCount(mask) : 0;
  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-black/70" data-testid="mask-painter" role="dialog" aria-label="Mask painter">
      <div className="flex max-h-[96vh] max-w-[96vw] flex-col rounded-md border border-ink-600 bg-ink-900 shadow-2xl">
        <header className="flex items-center gap-3 border-b border-ink-700 px-3 py-2">
          <h2 className="text-[13px] font-semibold text-ink-100">Paint mask · {node}</h2>
          <span className="text-[11.5px] text-ink-400" data-testid="painter-photo">
            {painting ? `${painting.photoLabel ? `over ${painting.photoLabel}` : 'no photo wired'} · ${painting.width}×${painting.height} px` : 'loading…'}
          </span>
          <span className="ml-auto text-[11px] text-ink-500">painted = missing (filled in by the restoration)</span>
        </header>
        {painting && mask && (
          <>
            <Toolbar>
              <div className="flex gap-0.5 rounded border border-ink-700 p-0.5">
                <button className={toolCls(tool === 'brush')} onClick={() => setTool('brush')} title="Brush: paint missing pixels (B)" data-testid="painter-tool-brush">
                  Brush
                </button>
                <button className={toolCls(tool === 'eraser')} onClick={() => setTool('eraser')} title="Eraser: keep pixels again (E)" data-testid="painter-tool-eraser">
                  Eraser
                </button>
                <button className={toolCls(tool === 'rect')} onClick={() => setTool('rect')} title="Rectangle: a missing block (R)" data-testid="painter-tool-rect">
                  Rectangle
                </button>
              </div>
              <label className="flex items-center gap-1 text-[12px] text-ink-400">
                size
                <input type="range" min={1} max={Math.min(MAX_BRUSH, Math.max(painting.width, painting.height))} value={size} onChange={(e) => setSize(Number(e.target.value))} />
                <input
                  type="number"
                  min={1}
                  max={MAX_BRUSH}
                  value={size}
                  onChange={(e) => setSize(Math.min(MAX_BRUSH, Math.max(1, Math.round(Number(e.target.value)) || 1)))}
                  className="w-14 rounded border border-ink-700 bg-ink-950 px-1 py-0.5 text-[12px]"
                  data-testid="painter-brush-size"
                />
                px
              </label>
              <button className={btnCls} onClick={undo} disabled={!history.past.length} title="Undo (Ctrl+Z)" data-testid="painter-undo">
                Undo
              </button>
              <button className={btnCls} onClick={redo} disabled={!history.future.length} title="Redo (Ctrl+Shift+Z)" data-testid="painter-redo">
                Redo
              </button>
              <button className={btnCls} onClick={() => edit(blankMask(mask.width, mask.height))} disabled={missing === 0} title="Keep every pixel again" data-testid="painter-clear">
                Clear
              </button>
              <span className="flex items-center gap-1">
                <button className={btnCls} onClick={() => stepZoom(-1)} title="Zoom out (-)" data-testid="painter-zoom-out">
                  −
                </button>
                <span className="w-12 text-center font-mono text-[11.5px] text-ink-300" data-testid="painter-zoom">
                  {Math.round(zoom * 100)}%
                </span>
                <button className={btnCls} onClick={() => stepZoom(1)} title="Zoom in (+)" data-testid="painter-zoom-in">
                  +
                </button>
              </span>
              {!painting.photo && (
                <BlankSize
                  width={painting.width}
                  height={painting.height}
                  onChange={(w, h) => {
                    const fresh = { ...painting, width: w, height: h, mask: blankMask(w, h) };
                    setPainting(fresh);
                    setHistory(startHistory(fresh.mask));
                  }}
                />
              )}
            </Toolbar>
            <div className="scroll-thin min-h-0 flex-1 overflow-auto bg-ink-950 p-4">
              <PaintSurface painting={painting} mask={mask} tool={tool} size={size} zoom={zoom} onEdit={edit} />
            </div>
          </>
        )}
        {painting?.notices.map((n, i) => (
          <div key={i} className="border-t border-warn/40 bg-warn/10 px-3 py-1 text-[11.5px] text-warn" data-testid="painter-notice">
            {n}
          </div>
        ))}
        {error && (
          <div className="border-t border-bad/50 bg-bad/10 px-3 py-1 text-[12px] text-[#ff9a9d]" role="alert" data-testid="painter-error">
            {error}
          </div>
        )}
        <footer className="flex items-center gap-2 border-t border-ink-700 px-3 py-2">
          <span className="font-mono text-[11.5px] text-ink-400" data-testid="painter-missing">
            {mask ? `${missing} px missing (${((100 * missing) / (mask.width * mask.height)).toFixed(1)}%)` : ''}
          </span>
          <button className={`${btnCls} ml-auto`} onClick={close} data-testid="painter-cancel">
            Cancel
          </button>
          <button
            className="rounded bg-accent px-3 py-0.5 text-[12px] font-semibold text-white hover:brightness-110 disabled:opacity-40"
            onClick={() => void save()}
            disabled={!mask || saving}
            data-testid="painter-save"
          >
            {saving ? 'Saving…' : 'Save mask'}
          </button>
        </footer>
      </div>
    </div>
  );
}

/** The painter for the Load mask node a widget opened it on, if any (mounted once by the editor). */
export function MaskPainter() {
  const open = useNodeTool((s) => s.open);
  if (open?.tool !== 'mask-painter') return null;
  return <Painter key={open.node} node={open.node} />;
}
