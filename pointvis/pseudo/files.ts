import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PointvisDataError } from '../errors';
import { loadYtvis, readJsonFile, saveYtvis } from '../formats';
import type { YtvisAnnotation } from '../formats/types';
import { writeJsonAtomic } from '../io/atomic-write';
import { type Shard, WHOLE, shardTag } from '../proposals';
import type { PseudoRunResult } from './run';
import type { PseudoSummary } from './types';

function stem(path: string): string {
  return path.endsWith('.json') ? path.slice(0, -'.json'.length) : path;
}

/** The output of one shard: `<out>.shard-<i>-of-<n>.json` (the output itself when unsharded). */
export function shardOutputPath(out: string, shard: Shard): string {
  return shard.count === 1 ? out : `${stem(out)}.${shardTag(shard)}.json`;
}

/** The summary next to an output: `<out>.summary.json` (`pseudo.json` → `pseudo.summary.json`). */
export function summaryPath(out: string): string {
  return `${stem(out)}.summary.json`;
}

/** Writes the pseudo labels (validated YouTube-VIS JSON) and their summary, both atomically. */
export function writePseudoLabels(out: string, result: PseudoRunResult): void {
  saveYtvis(out, result.dataset);
  writeJsonAtomic(summaryPath(out), result.summary);
}

function readSummary(path: string): PseudoSummary {
  if (!existsSync(path)) throw new PointvisDataError('summary of a shard is missing', { file: path });
  return readJsonFile(path) as PseudoSummary;
}

const COUNT_KEYS = [
  'videos',
  'videos_without_proposals',
  'objects',
  'objects_labelled',
  'objects_unmatched',
  'objects_without_points',
  'labelled_frames',
  'empty_masks',
  'removed_frames',
  'iou_sum',
  'iou_pairs',
  'seconds',
] as const;

/**
 * Merges the shard outputs `<out>.shard-<i>-of-<n>.json` into `out`: all n must be there, made
 * with the same settings; annotations are ordered by video (the videos' order), as an unsharded
 * run orders them, and counts are summed.
 */
export function mergePseudoShards(out: string): PseudoRunResult {
  const dir = dirname(out) || '.';
  const escaped = basename(stem(out)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${escaped}\\.shard-(\\d+)-of-(\\d+)\\.json$`);
  const shards = (existsSync(dir) ? readdirSync(dir) : []).flatMap((name) => {
    const m = pattern.exec(name);
    return m ? [{ path: join(dir, name), index: Number(m[1]), count: Number(m[2]) }] : [];
  });
  if (shards.length === 0)
    throw new PointvisDataError(`no shard outputs ${basename(stem(out))}.shard-<i>-of-<n>.json`, {
      file: dir,
    });
  const count = shards[0]!.count;
  const missing = Array.from({ length: count }, (_, i) => i).filter(
    (i) => !shards.some((s) => s.index === i && s.count === count),
  );
  if (missing.length > 0 || shards.some((s) => s.count !== count)) {
    throw new PointvisDataError(
      `shards ${missing.map((i) => `${i}/${count}`).join(', ') || '(of another count)'} are missing or mixed`,
      { file: dir },
    );
  }
  shards.sort((a, b) => a.index - b.index);
  const parts = shards.map((s) => ({
    dataset: loadYtvis(s.path),
    summary: readSummary(summaryPath(s.path)),
  }));
  const first = parts[0]!;
  const settings = (s: PseudoSummary) =>
    JSON.stringify([s.variant, s.lambda, s.score, s.presence, s.normalize]);
  for (const [i, p] of parts.entries()) {
    if (settings(p.summary) !== settings(first.summary)) {
      throw new PointvisDataError(`shard ${i} was made with other settings than shard 0`, {
        file: shards[i]!.path,
      });
    }
    if (p.dataset.videos.length !== first.dataset.videos.length) {
      throw new PointvisDataError(`shard ${i} lists other videos than shard 0`, { file: shards[i]!.path });
    }
  }
  const byVideo = new Map<number, YtvisAnnotation[]>();
  for (const p of parts) {
    for (const a of p.dataset.annotations) byVideo.set(a.video_id, [...(byVideo.get(a.video_id) ?? []), a]);
  }
  const annotations = first.dataset.videos.flatMap((v) => byVideo.get(v.id) ?? []);
  const summary: PseudoSummary = { ...first.summary, shard: [WHOLE.index, WHOLE.count] };
  for (const key of COUNT_KEYS) summary[key] = parts.reduce((n, p) => n + p.summary[key], 0);
  summary.skipped_objects = parts.flatMap((p) => p.summary.skipped_objects ?? []);
  const measured = parts.some((p) => p.summary.miou !== null) && summary.iou_pairs > 0;
  summary.miou = measured ? summary.iou_sum / summary.iou_pairs : null;
  return { dataset: { ...first.dataset, annotations }, summary };
}
