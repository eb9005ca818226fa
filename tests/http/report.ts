/**
 * The figures the HTTP tests measure (status code and time of each hostile request, memory
 * growth), printed as a table when the suite ends and written to test-results/http-probes.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './server';

export interface Probe {
  finding: string;
  probe: string;
  status: number | string;
  ms: number;
  note?: string;
}

const probes: Probe[] = [];

export function record(p: Probe): void {
  probes.push(p);
}

export function writeReport(file: string): void {
  if (probes.length === 0) return;
  const rows = probes.map((p) => `| ${p.finding} | ${p.probe} | ${p.status} | ${p.ms.toFixed(0)} | ${p.note ?? ''} |`);
  const text = ['| finding | probe | status | ms | note |', '|---|---|---|---|---|', ...rows, ''].join('\n');
  console.log(`\n${text}`);
  const out = path.join(REPO, 'test-results', file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
}
