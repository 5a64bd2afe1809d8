/**
 * The terminal side of a training run: a progress bar with the iteration, the last total loss
 * and our own ETA (from the trainer's measured rate), with log lines printed above it. When the
 * output is not a terminal there is no bar, only the log lines.
 */
import cliProgress from 'cli-progress';
import type { TrainProgress } from '../../pointvis/train/index.js';

export interface TrainProgressDisplay {
  update(progress: TrainProgress): void;
  log(line: string): void;
  stop(): void;
}

/** "1h02m", "3m05s", "42s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export function createTrainProgress(
  options: { stream?: NodeJS.WriteStream; label?: string } = {},
): TrainProgressDisplay {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY) {
    return { update: () => {}, log: (line) => stream.write(`${line}\n`), stop: () => {} };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: `${options.label ?? 'train'} {bar} {value}/{total} | loss {loss} | {elapsed} elapsed | ETA {eta}`,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(p) {
      const payload = {
        loss: p.lastTotalLoss === null ? '--' : p.lastTotalLoss.toFixed(4),
        elapsed: formatDuration(p.elapsedSeconds),
        eta: formatDuration(p.etaSeconds),
      };
      if (!bar) bar = multi.create(p.maxIter, p.iteration, payload);
      else bar.update(p.iteration, payload);
    },
    log(line) {
      if (bar) multi.log(`${line}\n`);
      else stream.write(`${line}\n`);
    },
    stop() {
      multi.stop();
    },
  };
}
