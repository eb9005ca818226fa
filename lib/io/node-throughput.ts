/**
 * The backend's measured speeds (lib/plan/throughput.ts) kept in a JSON file, for the server
 * (in its data folder) and the CLI (the same file). The file carries a fingerprint of what was
 * measured (CPU, cores, ONNX Runtime, threads, providers): when it no longer matches this
 * machine, or the file is missing or unreadable, `openThroughputFile` calibrates again.
 *
 * @example
 * const t = await openThroughputFile('data/throughput-server.json', 'server', machineFingerprint(opts), (t) => calibrate(t, deps));
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyThroughput, readThroughput, Throughput } from '../plan/throughput';

/** Bump when the calibration measures something new: every cached table is measured again. */
export const CALIBRATION_VERSION = 2;

/** What the speeds depend on, beyond the machine's load. */
export function machineFingerprint(opts: { runtime: string; threads: number; providers: readonly string[] }): string {
  const cpus = os.cpus();
  return [`v${CALIBRATION_VERSION}`, cpus[0]?.model ?? 'cpu', `${cpus.length} cores`, opts.runtime, `threads ${opts.threads || 'auto'}`, opts.providers.join('+')].join(' | ');
}

/** The stored table, or null when the file is missing, unreadable, of another backend or another fingerprint. */
export function readThroughputFile(file: string, backend: string, fingerprint: string): Throughput | null {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const t = readThroughput(json, backend);
  return t && t.data.fingerprint === fingerprint && t.calibrated ? t : null;
}

/** Writes the table atomically (a temporary file renamed over the old one). */
export function writeThroughputFile(file: string, t: Throughput): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(t.toJSON(), null, 1)}\n`);
  fs.renameSync(tmp, file);
}

/** The stored table if it fits this machine; otherwise a fresh one calibrated by `calibrate` and stored. */
export async function openThroughputFile(
  file: string,
  backend: string,
  fingerprint: string,
  calibrate: (t: Throughput) => Promise<unknown>,
): Promise<{ throughput: Throughput; calibrated: boolean }> {
  const stored = readThroughputFile(file, backend, fingerprint);
  if (stored) return { throughput: stored, calibrated: false };
  const t = new Throughput({ ...emptyThroughput(backend), fingerprint });
  await calibrate(t);
  writeThroughputFile(file, t);
  return { throughput: t, calibrated: true };
}
