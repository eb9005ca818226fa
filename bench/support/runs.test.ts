import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../lib/image/codec';
import { tensorToImage } from '../../lib/image/convert';
import type { CliPrior } from '../../bin/cli/prior';
import { Rng } from '../../lib/rng';
import { formatCell, pickImages, RunLog, summarize, type RunKey } from './runs';

// The classical method needs no network, so the log can be exercised without a prior.
const noPrior: CliPrior = { model: 'none', load: () => Promise.reject(new Error('the classical method needs no prior')), inspect: () => ({ flops: 0, parameters: 0, problems: [], unsupportedOps: [] }) };

function folderWithImages(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runs-'));
  const rng = new Rng(3, 'sampler');
  for (const name of ['b.png', 'a.png', 'c.png']) {
    const t = { shape: [3, 32, 32], data: Float32Array.from({ length: 3 * 32 * 32 }, () => Math.tanh(rng.normal())) };
    writeFileSync(join(dir, name), encodePng(tensorToImage(t)));
  }
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  return dir;
}

const key = (over: Partial<RunKey> = {}): RunKey => ({
  image: 'a.png',
  size: 32,
  seed: 0,
  task: 'inpaint-random',
  method: 'classical',
  prior: 'none',
  params: {},
  ...over,
});

describe('RunLog', () => {
  it('picks PNGs in name order from an offset', () => {
    expect(pickImages(folderWithImages(), 1, 5)).toEqual(['b.png', 'c.png']);
  });

  it('logs a run once and serves it from the file on resume', async () => {
    const data = folderWithImages();
    const path = join(data, 'out', 'runs.jsonl');
    const first = await new RunLog(path, data).run(key(), noPrior, 0.05);
    expect(first.outcome).toBeDefined();
    expect(first.record.psnr).toBeGreaterThan(5);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);

    const resumed = new RunLog(path, data);
    const again = await resumed.run(key({ params: {} }), noPrior, 0.05);
    expect(again.outcome).toBeUndefined();
    expect(again.record).toEqual(first.record);
    // A different seed is a different run.
    expect(resumed.find(key({ seed: 1 }))).toBeUndefined();
    expect((await resumed.run(key({ seed: 1 }), noPrior, 0.05)).outcome).toBeDefined();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('records a failed run with its message, and a failure fails the summary', async () => {
    const data = folderWithImages();
    const log = new RunLog(join(data, 'runs.jsonl'), data);
    const bad = await log.run(key({ params: { nonsense: 1 } }), noPrior, 0.05);
    expect(bad.record.failed).toMatch(/unknown parameter 'nonsense'/);
    const good = await log.run(key(), noPrior, 0.05);
    const s = summarize([good.record, bad.record]);
    expect(s.failed).toBe(bad.record.failed);
    expect(formatCell(s)).toBe(bad.record.failed);
    expect(formatCell(summarize([good.record]))).toBe(`${good.record.psnr.toFixed(2)} / ${good.record.ssim.toFixed(3)}`);
  });
});
