import type { BenchEntry } from './timing.js';

/** Benchmark suites by name; each kernel family contributes one. */
export const suites: Record<string, () => Promise<BenchEntry[]>> = {};
