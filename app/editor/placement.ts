/**
 * Where new nodes go so they never land on others: the free spot nearest to where the user
 * asked (added nodes), or the nearest free offset for a block of nodes (duplicate, paste).
 * Pure geometry on rectangles; node sizes are React Flow's measured ones where known.
 */
import { NOMINAL_NODE_SIZE } from '../../lib/graph/migrate';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Space kept between nodes. */
const GAP = 24;

export function nodeRect(n: { position: { x: number; y: number }; measured?: { width?: number; height?: number } }): Rect {
  return { x: n.position.x, y: n.position.y, width: n.measured?.width ?? NOMINAL_NODE_SIZE.width, height: n.measured?.height ?? NOMINAL_NODE_SIZE.height };
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width + GAP && b.x < a.x + a.width + GAP && a.y < b.y + b.height + GAP && b.y < a.y + a.height + GAP;
}

/** Candidate offsets from the wanted spot: rings of growing radius, nearest first. */
function* offsets(stepX: number, stepY: number): Generator<{ dx: number; dy: number }> {
  yield { dx: 0, dy: 0 };
  for (let ring = 1; ring < 60; ring++) {
    const cells: { dx: number; dy: number; d: number }[] = [];
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        cells.push({ dx: i * stepX, dy: j * stepY, d: Math.hypot(i * stepX, j * stepY) });
      }
    }
    cells.sort((a, b) => a.d - b.d);
    yield* cells;
  }
}

/** The position nearest to `at` where a node of `size` overlaps none of `taken`. */
export function freeSpot(taken: readonly Rect[], at: { x: number; y: number }, size = NOMINAL_NODE_SIZE): { x: number; y: number } {
  return freeOffsetFor(taken, [{ x: at.x, y: at.y, width: size.width, height: size.height }], at, 0.5);
}

/**
 * The offset nearest to `prefer` at which every rectangle of `block` (moved together) is clear
 * of `taken`; returned as the block's first rectangle's new top-left. `grid` is the search step
 * as a fraction of the node size.
 */
export function freeOffsetFor(taken: readonly Rect[], block: readonly Rect[], prefer: { x: number; y: number }, grid = 0.5): { x: number; y: number } {
  const first = block[0] as Rect | undefined;
  if (!first) return prefer;
  const base = { dx: prefer.x - first.x, dy: prefer.y - first.y };
  const stepX = Math.round((NOMINAL_NODE_SIZE.width + GAP) * grid);
  const stepY = Math.round((NOMINAL_NODE_SIZE.height + GAP) * grid);
  for (const o of offsets(stepX, stepY)) {
    const moved = block.map((r) => ({ ...r, x: r.x + base.dx + o.dx, y: r.y + base.dy + o.dy }));
    if (!moved.some((m) => taken.some((t) => overlaps(m, t)))) return { x: first.x + base.dx + o.dx, y: first.y + base.dy + o.dy };
  }
  return prefer;
}
