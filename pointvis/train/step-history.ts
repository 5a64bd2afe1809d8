/**
 * The per-iteration loss values, kept on the GPU until the next readback: each step leaves one
 * small row (its terms, the total, the gradient norm) and a readback stacks every pending row
 * and reads them in one transfer. So the trainer never waits on the GPU between log points, yet
 * knows the exact iteration and term of the first NaN/Inf.
 */
import { type Tensor, keep, stack, tidyAsync } from '../../engine/index.js';

export interface StepRecord {
  /** 1-based iteration of the step. */
  iteration: number;
  lr: number;
  /** Column values by name. */
  values: Map<string, number>;
}

interface PendingRow {
  iteration: number;
  lr: number;
  row: Tensor;
}

export class StepHistory {
  private columns: string[] | null = null;
  private pending: PendingRow[] = [];

  /** Column names, fixed by the first step. */
  get names(): readonly string[] {
    return this.columns ?? [];
  }

  get size(): number {
    return this.pending.length;
  }

  /** Checks a step's column names against the first step's (they must not change). */
  checkColumns(names: readonly string[]): void {
    if (this.columns === null) {
      this.columns = [...names];
      return;
    }
    if (names.join('\n') !== this.columns.join('\n')) {
      throw new Error(
        `the loss terms changed between iterations: first [${this.columns.join(', ')}], now [${names.join(', ')}]`,
      );
    }
  }

  /** Takes ownership of a 1-D f32 row of column values (kept out of every scope). */
  push(iteration: number, lr: number, row: Tensor): void {
    this.pending.push({ iteration, lr, row: keep(row) });
  }

  /** Reads every pending row back in one transfer and frees them. */
  async readAll(): Promise<StepRecord[]> {
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return [];
    try {
      const width = this.names.length;
      const data = await tidyAsync(async () => stack(rows.map((r) => r.row)).data());
      return rows.map((r, i) => ({
        iteration: r.iteration,
        lr: r.lr,
        values: new Map(this.names.map((n, c) => [n, data[i * width + c]!])),
      }));
    } finally {
      for (const r of rows) r.row.dispose();
    }
  }

  dispose(): void {
    for (const r of this.pending) r.row.dispose();
    this.pending = [];
  }
}

/** The first non-finite value in iteration order, or null. */
export function firstNonFinite(
  records: readonly StepRecord[],
): { record: StepRecord; name: string; value: number } | null {
  for (const record of records) {
    for (const [name, value] of record.values) if (!Number.isFinite(value)) return { record, name, value };
  }
  return null;
}
