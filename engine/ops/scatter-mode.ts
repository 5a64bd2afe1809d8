/**
 * How f32 scatter-adds accumulate (the adjoints of deformable attention, grid_sample /
 * point_sample, gather / index_select, and scatter_add itself).
 *
 * - 'deterministic' (default): an inverse index per destination, then one invocation per
 *   destination adds its sources in source order — bit-identical results every run, which exact
 *   resume and reproducible training need.
 * - 'atomic': compare-and-swap float adds straight into the destination. Fewer dispatches, but
 *   the order of the adds (hence the rounding) varies from run to run.
 */
export type ScatterMode = 'deterministic' | 'atomic';

export const SCATTER_MODES: readonly ScatterMode[] = ['deterministic', 'atomic'];

let mode: ScatterMode = 'deterministic';

/** The mode scatter-adding ops use now. */
export function scatterMode(): ScatterMode {
  return mode;
}

/** Sets the mode; ops read it when they dispatch (a backward pass when it runs). Returns the previous one. */
export function setScatterMode(next: ScatterMode): ScatterMode {
  const previous = mode;
  mode = next;
  return previous;
}
