import { describe, expect, it } from 'vitest';
import { lineChartSvg } from './svg-chart';

describe('lineChartSvg', () => {
  it('draws one polyline per finite run of each series, with a legend, escaping text', () => {
    const svg = lineChartSvg([0, 1, 2, 3], [
      { name: 'a<b', color: '#f00', values: [0, 90, NaN, 180] },
      { name: 'c', color: '#00f', values: [10, 20, 30, 40] },
    ], { title: 'angles & more', xLabel: 'step', yLabel: 'degrees', yMin: 0, yMax: 180 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2); // 'a<b' has one run of 2 points (the lone last point draws nothing), 'c' one
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('angles &amp; more');
    expect(svg).not.toContain('NaN');
  });
});
