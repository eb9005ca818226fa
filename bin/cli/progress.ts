/** A progress event's numbers (lib/plan run events; lib/samplers' own Progress has the same). */
interface Progress {
  step: number;
  steps: number;
  nfe: { forward: number; vjp: number };
  elapsedMs: number;
}

/**
 * Progress on stderr: one rewritten line on a terminal, a line every 10% otherwise
 * (so logs stay short). Silent when `quiet`.
 */
export function progressReporter(label: string, quiet = false) {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  return {
    update(p: Progress) {
      if (quiet) return;
      const pct = Math.floor((100 * p.step) / p.steps);
      const eta = p.step > 0 ? ((p.elapsedMs / p.step) * (p.steps - p.step)) / 1000 : NaN;
      const text = `${label} step ${p.step}/${p.steps} (${pct}%) nfe ${p.nfe.forward}+${p.nfe.vjp} vjp, ${(p.elapsedMs / 1000).toFixed(1)} s, ~${eta.toFixed(0)} s left`;
      if (tty) process.stderr.write(`\r${text}\x1b[K`);
      else if (Math.floor(pct / 10) > lastDecile) {
        lastDecile = Math.floor(pct / 10);
        process.stderr.write(`${text}\n`);
      }
    },
    done() {
      if (!quiet && tty) process.stderr.write('\n');
    },
  };
}
