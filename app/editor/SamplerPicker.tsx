'use client';

/** Which sampler node a per-sampler view shows: a select when the run has several, else its name. */
export function SamplerPicker({ samplers, value, onPick }: { samplers: string[]; value: string; onPick: (node: string) => void }) {
  if (samplers.length <= 1) return <span className="font-mono text-ink-300">{value}</span>;
  return (
    <select className="rounded border border-ink-700 bg-ink-950 px-1 py-0.5" value={value} onChange={(e) => onPick(e.target.value)}>
      {samplers.map((s) => (
        <option key={s}>{s}</option>
      ))}
    </select>
  );
}
