/**
 * Reads a node type's zod params schema into form field descriptors, so the params panel can
 * build a form without knowing the node (chaiNNer's SchemaInput). Each zod kind maps to one
 * field kind; `ParamField.tsx` maps each field kind to a widget through an exhaustive mapped
 * type, so adding a kind here without a widget does not compile.
 */
import type { z } from 'zod';
import { paramDescription } from '../../nodes/define';
import type { AssetKind, EstimateMeta } from '../../nodes/input/sources';

interface Base {
  name: string;
  label: string;
  description?: string;
  optional: boolean;
  defaultValue: unknown;
}

export interface NumberField extends Base {
  kind: 'number';
  min: number | null;
  max: number | null;
  integer: boolean;
  /** Slider scale: 'log' for positive reals spanning several decades (step sizes). */
  scale: 'linear' | 'log';
  /** The editor can estimate the value from another param's image (e.g. a photo's noise level). */
  estimate?: EstimateMeta;
}
export interface EnumField extends Base {
  kind: 'enum';
  options: string[];
}
export interface BooleanField extends Base {
  kind: 'boolean';
}
export interface StringField extends Base {
  kind: 'string';
  minLength: number | null;
  maxLength: number | null;
}
/** An array of enum values: a set of checkboxes. */
export interface MultiEnumField extends Base {
  kind: 'multi';
  options: string[];
}
/** A param that names an asset (its schema's `asset` metadata, nodes/input/sources.ts): a picker with upload. */
export interface AssetField extends Base {
  kind: 'asset';
  asset: AssetKind;
}
/** Anything else (records, nested objects): edited as JSON text. */
export interface JsonField extends Base {
  kind: 'json';
}

export type ParamFieldSpec = NumberField | EnumField | BooleanField | StringField | MultiEnumField | AssetField | JsonField;
export type ParamFieldKind = ParamFieldSpec['kind'];

type AnyDef = { type: string; innerType?: z.ZodType; defaultValue?: unknown; element?: z.ZodType };

function defOf(s: z.ZodType): AnyDef {
  return (s as unknown as { _zod: { def: AnyDef } })._zod.def;
}

/** 'lrMinRatio' -> 'lr min ratio', 'sigmaY' -> 'sigma y'. */
export function humanize(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
}

function innerOf(d: AnyDef): z.ZodType {
  if (!d.innerType) throw new Error(`a zod ${d.type} schema without an inner type`);
  return d.innerType;
}

/** Peels default/optional/nullable wrappers, remembering the default and optionality. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; defaultValue: unknown; optional: boolean } {
  let s = schema;
  let defaultValue: unknown = undefined;
  let optional = false;
  for (let i = 0; i < 8; i++) {
    const d = defOf(s);
    if (d.type === 'default' || d.type === 'prefault') {
      if (defaultValue === undefined) defaultValue = d.defaultValue;
      s = innerOf(d);
    } else if (d.type === 'optional' || d.type === 'nullable') {
      optional = true;
      s = innerOf(d);
    } else break;
  }
  return { inner: s, defaultValue, optional };
}

function metaOf<K extends 'asset' | 'estimate'>(key: K, ...schemas: z.ZodType[]): { asset?: AssetKind; estimate?: EstimateMeta }[K] {
  for (const s of schemas) {
    const v = (s.meta() as { asset?: AssetKind; estimate?: EstimateMeta } | undefined)?.[key];
    if (v) return v;
  }
  return undefined;
}

export function describeParam(name: string, schema: z.ZodType): ParamFieldSpec {
  const { inner, defaultValue, optional } = unwrap(schema);
  const d = defOf(inner);
  const description = paramDescription(schema);
  const base: Base = { name, label: humanize(name), description, optional, defaultValue };
  const asset = metaOf('asset', schema, inner);
  if (asset) return { ...base, kind: 'asset', asset };
  switch (d.type) {
    case 'number': {
      const n = inner as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean };
      // int() brings +-MAX_SAFE_INTEGER bounds: treat those as unbounded (no slider for seeds).
      const bound = (v: number | null) => (v !== null && Number.isFinite(v) && Math.abs(v) < 2 ** 31 ? v : null);
      const min = bound(n.minValue);
      const max = bound(n.maxValue);
      const integer = n.isInt;
      const lo = min ?? 0;
      const scale = !integer && max !== null && lo >= 0 && max / Math.max(lo, max * 1e-4) >= 1000 ? 'log' : 'linear';
      const estimate = metaOf('estimate', schema, inner);
      return { ...base, kind: 'number', min, max, integer, scale, ...(estimate ? { estimate } : {}) };
    }
    case 'enum':
      return { ...base, kind: 'enum', options: [...(inner as unknown as { options: string[] }).options] };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'string': {
      const s = inner as unknown as { minLength: number | null; maxLength: number | null };
      return { ...base, kind: 'string', minLength: s.minLength, maxLength: s.maxLength };
    }
    case 'array': {
      const el = d.element && unwrap(d.element).inner;
      if (el && defOf(el).type === 'enum') {
        return { ...base, kind: 'multi', options: [...(el as unknown as { options: string[] }).options] };
      }
      return { ...base, kind: 'json' };
    }
    default:
      return { ...base, kind: 'json' };
  }
}

/** One field per key of a zod object schema, in declaration order. */
export function describeParams(schema: z.ZodObject): ParamFieldSpec[] {
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, s]) => describeParam(name, s));
}

/** The params a freshly added node starts with: the schema's defaults. */
export function defaultParams(schema: z.ZodObject): Record<string, unknown> {
  const r = schema.safeParse({});
  return r.success ? r.data : {};
}

/** What a text widget shows for a param value: '' for none, JSON for anything but a scalar. */
export function fieldText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** Slider position (0..1) <-> value for a number field. */
export function sliderRange(f: NumberField): { lo: number; hi: number } | null {
  if (f.max === null) return null;
  const lo = f.scale === 'log' ? Math.max(f.min ?? 0, f.max * 1e-4) : (f.min ?? 0);
  return { lo, hi: f.max };
}

export function toSlider(f: NumberField, v: number): number {
  const r = sliderRange(f);
  if (!r || !Number.isFinite(v)) return 0;
  if (f.scale === 'log') return Math.min(1, Math.max(0, Math.log(Math.max(v, r.lo) / r.lo) / Math.log(r.hi / r.lo)));
  return r.hi === r.lo ? 0 : Math.min(1, Math.max(0, (v - r.lo) / (r.hi - r.lo)));
}

export function fromSlider(f: NumberField, t: number): number {
  const r = sliderRange(f);
  if (!r) throw new Error(`param '${f.name}' has no slider (no maximum)`);
  let v = f.scale === 'log' ? r.lo * Math.pow(r.hi / r.lo, t) : r.lo + t * (r.hi - r.lo);
  if (f.integer) v = Math.round(v);
  else v = Number(v.toPrecision(3));
  return Math.min(r.hi, Math.max(f.min ?? -Infinity, v));
}
