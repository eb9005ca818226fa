import { describe, expect, it } from 'vitest';
import { tensor } from '../../lib/tensor';
import { absErrorMap, spearman } from './rank';

describe('spearman', () => {
  it('is 1 for any increasing relation, -1 for a decreasing one, and handles ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 25, 1000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks with ties: [1.5, 1.5, 3, 4] vs [1, 2, 3, 4] -> Pearson of the ranks
    expect(spearman([5, 5, 6, 7], [1, 2, 3, 4])).toBeCloseTo(0.9486833, 6);
  });

  it('measures per-pixel error averaged over channels', () => {
    const e = absErrorMap(tensor([2, 1, 2], [0, 1, 2, 3]), tensor([2, 1, 2], [1, 1, 0, 0]));
    expect([...e]).toEqual([1.5, 1.5]);
  });
});
