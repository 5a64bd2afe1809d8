/**
 * WGSL has no atomic f32 add. These helpers add a float to a word of an `array<atomic<u32>>`
 * by compare-and-swap on its bit pattern: read the word, add in f32, try to swap, retry with
 * the value another invocation wrote if the swap lost. Used by the 'atomic' scatter mode
 * (engine/ops/scatter-mode.ts) only: the order of the adds, hence the rounding of the sum,
 * varies from run to run. The default mode sums over an inverse index instead (inverse-index.ts).
 */

/** WGSL `fn <buffer>_atomic_add_f32(i: u32, v: f32)` for the binding named `buffer`. */
export function atomicAddF32Fn(buffer: string): string {
  return `
fn ${buffer}_atomic_add_f32(i: u32, v: f32) {
  if (v == 0.0) { return; }
  var old = atomicLoad(&${buffer}[i]);
  loop {
    let swapped = atomicCompareExchangeWeak(&${buffer}[i], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (swapped.exchanged) { break; }
    old = swapped.old_value;
  }
}
`;
}
