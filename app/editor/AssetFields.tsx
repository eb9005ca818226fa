'use client';
/**
 * Params that name an asset (their schema's `asset` metadata) get a picker instead of a text
 * field: images (bundled samples from `images.samples`, or an upload through `images.upload`),
 * arrays (masks and kernels, uploaded as pictures) and prior models (`models.list`, or an ONNX
 * upload through `models.upload`). Uploads are referenced by sha256 and recorded in the
 * document's `assets`, small pictures with their bytes (lib/graph/embedded-assets.ts).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type ComponentType } from 'react';
import { embeddedData } from '../../lib/graph/embedded-assets';
import { bytesToBase64 } from '../../lib/io/base64';
import { imageSourceUrl } from '../../lib/image/source-url';
import { useTRPC, useTRPCClient } from '../trpc';
import type { FieldProps } from './ParamField';
import type { AssetKind } from '../../nodes/input/sources';
import { fieldText, type AssetField as AssetFieldSpec, type ParamFieldSpec } from './schemaForm';
import { useEditor } from './store';
import { errorMessage } from './useServer';

const selectCls = 'nodrag min-w-0 flex-1 rounded border border-ink-700 bg-ink-950 px-1.5 py-0.5 text-[12px] text-ink-100 outline-none focus:border-accent';
const btnCls = 'nodrag flex-none rounded border border-ink-600 px-1.5 py-0.5 text-[11.5px] text-ink-300 hover:bg-ink-700 disabled:opacity-40';

function useUpload(kind: 'image' | 'model', onDone: (sha: string, name: string, bytes: number) => void) {
  const client = useTRPCClient();
  const [busy, setBusy] = useState(false);
  const upload = async (file: File) => {
    setBusy(true);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const base64 = bytesToBase64(bytes);
      const rec = kind === 'image' ? await client.images.upload.mutate({ name: file.name, base64 }) : await client.models.upload.mutate({ name: file.name, base64 });
      const sha = rec.sha256;
      if (!sha) throw new Error('the server returned no sha256');
      // Small pictures travel inside the graph (exports, presets, result PNGs); models never do.
      useEditor.getState().addAsset(sha, { kind, name: file.name, bytes: file.size, ...(kind === 'image' ? embeddedData(bytes, base64) : {}) });
      onDone(sha, file.name, file.size);
      useEditor.getState().toast('ok', `Uploaded ${file.name}`);
    } catch (e) {
      useEditor.getState().toast('error', `${file.name}: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return { busy, upload };
}

function UploadButton({ accept, busy, onFile, testId }: { accept: string; busy: boolean; onFile: (f: File) => void; testId: string }) {
  const ref = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={btnCls} disabled={busy} onClick={() => ref.current?.click()} title="Upload a file">
        {busy ? '…' : 'Upload'}
      </button>
      <input
        ref={ref}
        type="file"
        accept={accept}
        className="hidden"
        data-testid={testId}
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) onFile(f);
          e.target.value = '';
        }}
      />
    </>
  );
}

function ImageSourceField({ value, onChange, testId }: FieldProps<ParamFieldSpec>) {
  const trpc = useTRPC();
  const samples = useQuery(trpc.images.samples.queryOptions());
  const assets = useEditor((s) => s.meta.assets);
  const { busy, upload } = useUpload('image', (sha) => onChange(`sha256:${sha}`));
  const current = fieldText(value);
  const uploads = Object.entries(assets).filter(([, a]) => a.kind === 'image');
  const known = current === 'sample:default' || (samples.data ?? []).some((s) => s.source === current) || uploads.some(([sha]) => `sha256:${sha}` === current);
  return (
    <div className="flex gap-1">
      <select className={selectCls} value={current} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="sample:default">default sample</option>
        {(samples.data ?? []).map((s) => (
          <option key={s.source} value={s.source}>
            {s.name} ({s.width}×{s.height})
          </option>
        ))}
        {uploads.map(([sha, a]) => (
          <option key={sha} value={`sha256:${sha}`}>
            {a.name} (upload)
          </option>
        ))}
        {!known && <option value={current}>{current.startsWith('sha256:') ? `upload ${current.slice(7, 15)}…` : current}</option>}
      </select>
      <UploadButton accept="image/png,image/jpeg" busy={busy} onFile={(f) => void upload(f)} testId={`${testId}-upload`} />
      <Thumb source={current} testId={`${testId}-thumb`} />
    </div>
  );
}

/** A small picture of an image source next to its picker. */
function Thumb({ source, testId }: { source: string; testId: string }) {
  const url = imageSourceUrl(source);
  const [failed, setFailed] = useState<string | null>(null);
  if (!url || failed === url) return null;
  return <img src={url} alt="" onError={() => setFailed(url)} className="h-6 w-6 flex-none rounded border border-ink-700 object-cover" data-testid={testId} />;
}

function PriorModelField({ value, onChange, testId }: FieldProps<ParamFieldSpec>) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const models = useQuery(trpc.models.list.queryOptions());
  const { busy, upload } = useUpload('model', (sha) => {
    onChange(`sha256:${sha}`);
    void queryClient.invalidateQueries({ queryKey: trpc.models.list.queryKey() });
  });
  const current = fieldText(value);
  const list = models.data ?? [];
  const chosen = list.find((m) => m.id === current);
  return (
    <div>
      <div className="flex gap-1">
        <select className={selectCls} value={current} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          {list.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id === 'default' || m.id === 'gaussian' ? m.id : m.name}
            </option>
          ))}
          {!chosen && <option value={current}>{current}</option>}
        </select>
        <UploadButton accept=".onnx" busy={busy} onFile={(f) => void upload(f)} testId={`${testId}-upload`} />
      </div>
      {chosen && (
        <div className="mt-0.5 text-[10.5px] leading-snug text-ink-500">
          {chosen.name}
          {chosen.parameters > 0 && ` · ${(chosen.parameters / 1e6).toFixed(2)} M params · ${chosen.gflopsAt256.toFixed(1)} GFLOP@256`}
          {!chosen.differentiable && <span className="text-bad"> · not differentiable</span>}
        </div>
      )}
    </div>
  );
}

/** A mask or kernel: one of the uploaded pictures, or a new upload. */
function ArraySourceField({ value, onChange, testId }: FieldProps<ParamFieldSpec>) {
  const assets = useEditor((s) => s.meta.assets);
  const { busy, upload } = useUpload('image', (sha) => onChange(`sha256:${sha}`));
  const current = fieldText(value);
  const uploads = Object.entries(assets).filter(([, a]) => a.kind === 'image');
  const known = current === '' || uploads.some(([sha]) => `sha256:${sha}` === current);
  return (
    <div className="flex gap-1">
      <select className={selectCls} value={current} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">(none: upload a PNG)</option>
        {uploads.map(([sha, a]) => (
          <option key={sha} value={`sha256:${sha}`}>
            {a.name}
          </option>
        ))}
        {!known && <option value={current}>{current}</option>}
      </select>
      <UploadButton accept="image/png" busy={busy} onFile={(f) => void upload(f)} testId={`${testId}-upload`} />
    </div>
  );
}

const PICKERS: Readonly<Record<AssetKind, ComponentType<FieldProps<ParamFieldSpec>>>> = {
  image: ImageSourceField,
  array: ArraySourceField,
  model: PriorModelField,
};

/** The picker for an asset param, by the kind of asset it names. */
export function AssetField(props: FieldProps<AssetFieldSpec>) {
  const Picker = PICKERS[props.field.asset];
  return <Picker {...props} />;
}
