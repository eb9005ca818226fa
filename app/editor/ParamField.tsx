'use client';
/**
 * The generic params form: one widget per field kind (./schemaForm.ts), picked through an
 * exhaustive mapped type, so a new kind without a widget does not compile. Every input carries
 * `nodrag` so typing or sliding never drags the node.
 */
import { useState, type ComponentType } from 'react';
import { AssetField } from './AssetFields';
import {
  fieldText,
  fromSlider,
  sliderRange,
  toSlider,
  type BooleanField,
  type EnumField,
  type JsonField,
  type MultiEnumField,
  type NumberField,
  type ParamFieldKind,
  type ParamFieldSpec,
  type StringField,
} from './schemaForm';

export interface FieldProps<F extends ParamFieldSpec> {
  field: F;
  value: unknown;
  onChange: (value: unknown) => void;
  testId: string;
}

const baseInputCls =
  'nodrag rounded border border-ink-700 bg-ink-950 px-1.5 py-0.5 text-[12px] text-ink-100 outline-none focus:border-accent';
const inputCls = `${baseInputCls} w-full`;

function formatNumber(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fieldText(v);
  return String(Number(v.toPrecision(6)));
}

/** Text being edited for a value: starts as `format(value)` and starts again whenever the value changes. */
function useEditedText(value: unknown, format: (v: unknown) => string) {
  const [text, setText] = useState(() => format(value));
  const [shown, setShown] = useState(value);
  if (!Object.is(shown, value)) {
    setShown(value);
    setText(format(value));
  }
  return [text, setText] as const;
}

function NumberWidget({ field, value, onChange, testId }: FieldProps<NumberField>) {
  const [text, setText] = useEditedText(value, formatNumber);
  const range = sliderRange(field);
  const num = typeof value === 'number' ? value : Number(value);
  const bad = text.trim() === '' || !Number.isFinite(Number(text));
  return (
    <div className="flex items-center gap-2">
      {range && (
        <input
          type="range"
          className="nodrag min-w-0 flex-1"
          min={0}
          max={1000}
          step={1}
          value={Math.round(toSlider(field, num) * 1000)}
          onChange={(e) => onChange(fromSlider(field, Number(e.target.value) / 1000))}
          data-testid={`${testId}-slider`}
          aria-label={`${field.label} slider`}
        />
      )}
      <input
        type="text"
        inputMode="decimal"
        className={`${baseInputCls} ${range ? 'w-20 flex-none' : 'w-full'} font-mono ${bad ? 'border-bad' : ''}`}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(n)) onChange(n);
        }}
        onBlur={() => setText(formatNumber(value))}
        data-testid={testId}
        aria-label={field.label}
      />
    </div>
  );
}

function EnumWidget({ field, value, onChange, testId }: FieldProps<EnumField>) {
  return (
    <select className={inputCls} value={fieldText(value)} onChange={(e) => onChange(e.target.value)} data-testid={testId} aria-label={field.label}>
      {field.options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
}

function BooleanWidget({ field, value, onChange, testId }: FieldProps<BooleanField>) {
  return (
    <label className="nodrag flex cursor-pointer items-center gap-2 text-ink-300">
      <input type="checkbox" className="nodrag" checked={value === true} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />
      <span>{value ? 'on' : 'off'}</span>
      <span className="sr-only">{field.label}</span>
    </label>
  );
}

function StringWidget({ field, value, onChange, testId }: FieldProps<StringField>) {
  return (
    <input
      type="text"
      className={inputCls}
      value={fieldText(value)}
      maxLength={field.maxLength ?? undefined}
      onChange={(e) => onChange(e.target.value)}
      data-testid={testId}
      aria-label={field.label}
    />
  );
}

function MultiWidget({ field, value, onChange, testId }: FieldProps<MultiEnumField>) {
  const set = new Set(Array.isArray(value) ? (value as string[]) : []);
  return (
    <div className="flex flex-wrap gap-x-3 gap-y-1" data-testid={testId}>
      {field.options.map((o) => (
        <label key={o} className="nodrag flex cursor-pointer items-center gap-1 text-ink-300">
          <input
            type="checkbox"
            className="nodrag"
            checked={set.has(o)}
            onChange={(e) => onChange(field.options.filter((x) => (x === o ? e.target.checked : set.has(x))))}
          />
          {o}
        </label>
      ))}
    </div>
  );
}

const formatJson = (v: unknown): string => JSON.stringify(v ?? null);

function JsonWidget({ field, value, onChange, testId }: FieldProps<JsonField>) {
  const [text, setText] = useEditedText(value, formatJson);
  const [error, setError] = useState<string | null>(null);
  return (
    <div>
      <input
        type="text"
        className={`${inputCls} font-mono ${error ? 'border-bad' : ''}`}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          try {
            onChange(JSON.parse(e.target.value));
            setError(null);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
        data-testid={testId}
        aria-label={field.label}
        title="JSON"
      />
      {error && <div className="mt-0.5 text-[11px] text-bad">not valid JSON</div>}
    </div>
  );
}

type WidgetTable = { [K in ParamFieldKind]: ComponentType<FieldProps<Extract<ParamFieldSpec, { kind: K }>>> };

export const FIELD_WIDGETS: WidgetTable = {
  number: NumberWidget,
  enum: EnumWidget,
  boolean: BooleanWidget,
  string: StringWidget,
  multi: MultiWidget,
  asset: AssetField,
  json: JsonWidget,
};

export function ParamField({ field, value, onChange, testId }: FieldProps<ParamFieldSpec>) {
  const Widget = FIELD_WIDGETS[field.kind] as ComponentType<FieldProps<ParamFieldSpec>>;
  return <Widget field={field} value={value} onChange={onChange} testId={testId} />;
}
