/**
 * `metrics.jsonl`: one JSON object per line per logged iteration. Lines are appended (each in a
 * single write) rather than rewriting the file atomically every time, which would cost
 * O(lines²) over a long run; a torn last line from a crash is dropped when the run resumes, and
 * so are lines past the checkpoint it resumes from (that work is redone), in one atomic rewrite.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';

export const METRICS_FILE = 'metrics.jsonl';

/** One line of metrics.jsonl. Loss terms (weighted, as summed into total_loss) sit beside these keys. */
export interface MetricsRecord {
  /** Optimizer steps completed (1-based: the record of the first step has iteration 1). */
  iteration: number;
  /** The lr of the step's base group (the backbone's is lr × backboneMultiplier). */
  lr: number;
  total_loss: number;
  /** Global gradient L2 norm before clipping (only when clipping is on). */
  grad_norm?: number;
  /** Wall time per iteration since the previous record. */
  seconds_per_iter: number;
  /** Bytes held by live GPU tensors at the record, and the most held since the previous record. */
  gpu_live_bytes: number;
  gpu_peak_bytes: number;
  [term: string]: number | undefined;
}

export class MetricsLog {
  readonly path: string;

  constructor(runDir: string) {
    this.path = join(runDir, METRICS_FILE);
  }

  /** Keeps only whole records up to `iteration` (a fresh run passes 0: an empty file). */
  truncateAfter(iteration: number): void {
    const kept: string[] = [];
    if (existsSync(this.path)) {
      for (const line of readFileSync(this.path, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          continue; // a torn line from an interrupted write
        }
        const it = (record as { iteration?: unknown }).iteration;
        if (typeof it === 'number' && it <= iteration) kept.push(line);
      }
    }
    writeFileAtomic(this.path, kept.map((l) => `${l}\n`).join(''));
  }

  append(record: MetricsRecord): void {
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  read(): MetricsRecord[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as MetricsRecord);
  }
}
