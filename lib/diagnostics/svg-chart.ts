/**
 * A small line chart as standalone SVG text (no DOM, no dependencies), for reports written
 * outside the browser: one shared x axis, several named series, NaN gaps skipped.
 */
export interface Series {
  name: string;
  color: string;
  values: number[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Fixed y range; default: the data's range. */
  yMin?: number;
  yMax?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function lineChartSvg(x: number[], series: Series[], o: LineChartOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 320;
  const m = { l: 52, r: 150, t: 28, b: 40 };
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const yMin = o.yMin ?? Math.min(...finite, 0);
  const yMax = o.yMax ?? Math.max(...finite, 1);
  const xMin = Math.min(...x);
  const xMax = Math.max(...x, xMin + 1);
  const px = (v: number) => m.l + ((v - xMin) / (xMax - xMin)) * (W - m.l - m.r);
  const py = (v: number) => H - m.b - ((v - yMin) / (yMax - yMin || 1)) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="16" font-size="13">${esc(o.title)}</text>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((yMax - yMin) * k) / 4;
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${m.l - 6}" y="${py(v) + 4}" text-anchor="end">${+v.toFixed(1)}</text>`);
  }
  for (let k = 0; k <= 4; k++) {
    const v = xMin + ((xMax - xMin) * k) / 4;
    out.push(`<text x="${px(v)}" y="${H - m.b + 16}" text-anchor="middle">${Math.round(v)}</text>`);
  }
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    // Split the polyline at non-finite values.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${run.join(' ')}"/>`);
      run = [];
    };
    s.values.forEach((v, j) => (Number.isFinite(v) ? run.push(`${px(x[j]).toFixed(1)},${py(v).toFixed(1)}`) : flush()));
    flush();
    const ly = m.t + 14 + i * 16;
    out.push(`<line x1="${W - m.r + 10}" x2="${W - m.r + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${W - m.r + 32}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
