import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TASKS, type TaskName } from '../../lib/operators/types';
import { isMethod, METHODS, methodStartsWarm } from '../../lib/samplers';
import { UsageError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing: an unknown flag or a missing value is a UsageError naming the flag. */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

export function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined || value === '') throw new UsageError(`missing --${flag}`);
  return value;
}

export function parseTask(value: string | undefined): TaskName {
  const v = required(value, 'task');
  if (!(TASKS as readonly string[]).includes(v)) throw new UsageError(`unknown task '${v}' (tasks: ${TASKS.join(', ')})`);
  return v as TaskName;
}

export function parseMethod(value: string | undefined): string {
  const v = value ?? 'spgd';
  if (!isMethod(v)) throw new UsageError(`unknown method '${v}' (methods: ${METHODS.join(', ')})`);
  return v;
}

/**
 * --init: the method whose restoration a warm start begins from. Only for a configuration that
 * starts warm (`spgd-mean`, or `--set sigmaStart=<s>` below the first noise level).
 */
export function parseInit(value: string | undefined, method: string, task: TaskName, sigmaY: number, samplerParams: Record<string, unknown>): string | undefined {
  if (value === undefined) return undefined;
  if (!isMethod(value)) throw new UsageError(`unknown --init method '${value}' (methods: ${METHODS.join(', ')})`);
  if (!methodStartsWarm(method, task, { sigmaY }, samplerParams)) {
    throw new UsageError(`--init ${value}: '${method}' starts from noise here; give it a warm start (--set sigmaStart=<s>) or use --method spgd-mean`);
  }
  return value;
}

export function parseNumber(value: string | undefined, flag: string, fallback: number, check?: (n: number) => boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (check && !check(n))) throw new UsageError(`bad value for --${flag}: '${value}'`);
  return n;
}

/** Largest --size: a 4096 px image already needs ~2.5 GB for one run of the shipped prior. */
const MAX_SIZE = 4096;

/** --size px: an integer in [8, MAX_SIZE], or undefined when not given. */
export function parseSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = parseNumber(value, 'size', 0, (x) => Number.isInteger(x) && x >= 8);
  if (n > MAX_SIZE) throw new UsageError(`--size ${value}: at most ${MAX_SIZE} px`);
  return n;
}

export const parseSeed = (v: string | undefined) => parseNumber(v, 'seed', 0, (n) => Number.isSafeInteger(n) && n >= 0);

/** --set key=value pairs: numbers and true/false are typed, everything else stays a string. */
export function parseSets(values: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of values ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad --set '${kv}': expected key=value`);
    const key = kv.slice(0, eq).trim();
    const raw = kv.slice(eq + 1).trim();
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}
