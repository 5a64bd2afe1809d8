/**
 * Sharded runs: shard i of n writes `results.shard-i-of-n.json` (a YouTube-VIS results list of
 * its videos) and then `results.shard-i-of-n.meta.json` (which videos, where they sit in the
 * input; its presence means the shard finished). Merging puts every video back in input order,
 * so the merged file equals the one an unsharded run writes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PointvisDataError } from '../errors';
import {
  JsonPath,
  expectArray,
  expectInteger,
  expectObject,
  expectString,
  readJsonFile,
} from '../formats/json-path';
import type { YtvisResult } from '../formats/types';
import { loadYtvisResults, saveYtvisResults } from '../formats/ytvis-results';
import type { Shard } from '../proposals/shard';

export const RESULTS_FILE = 'results.json';
export const SHARD_META_FORMAT = 'pointvis-infer-shard';

export const shardResultsFile = (shard: Shard) => `results.shard-${shard.index}-of-${shard.count}.json`;
export const shardMetaFile = (shard: Shard) => `results.shard-${shard.index}-of-${shard.count}.meta.json`;

const META_NAME = /^results\.shard-(\d+)-of-(\d+)\.meta\.json$/;

export interface ShardVideo {
  id: number;
  /** Index in the input's video list. */
  position: number;
  /** Results entries of this video. */
  results: number;
}

export interface InferShardMeta {
  format: typeof SHARD_META_FORMAT;
  shard: [number, number];
  /** The input (dataset file, frames folder, video file) and the model (config and weights). */
  source: string;
  model: string;
  videos: ShardVideo[];
  seconds: number;
}

function parseMeta(path: string): InferShardMeta {
  const root = new JsonPath(path);
  const record = expectObject(readJsonFile(path), root);
  if (record.format !== SHARD_META_FORMAT) root.key('format').fail(`expected "${SHARD_META_FORMAT}"`);
  const shard = expectArray(record.shard, root.key('shard'));
  if (shard.length !== 2) root.key('shard').fail('expected [index, count]');
  const videos = expectArray(record.videos, root.key('videos')).map((v, i) => {
    const at = root.key('videos').at(i);
    const video = expectObject(v, at);
    return {
      id: expectInteger(video.id, at.key('id')),
      position: expectInteger(video.position, at.key('position'), 0),
      results: expectInteger(video.results, at.key('results'), 0),
    };
  });
  return {
    format: SHARD_META_FORMAT,
    shard: [
      expectInteger(shard[0], root.key('shard').part(0), 0),
      expectInteger(shard[1], root.key('shard').part(1), 1),
    ],
    source: expectString(record.source, root.key('source')),
    model: expectString(record.model, root.key('model')),
    videos,
    seconds: typeof record.seconds === 'number' ? record.seconds : 0,
  };
}

export interface MergeInferenceResult {
  resultsFile: string;
  shards: number;
  videos: number;
  results: number;
}

/** Combines every shard of `outDir` into `outDir/results.json` (all n shards must be there). */
export function mergeInferenceShards(outDir: string): MergeInferenceResult {
  const names = existsSync(outDir) ? readdirSync(outDir) : [];
  const found = names.flatMap((name) => {
    const m = META_NAME.exec(name);
    return m ? [{ name, index: Number(m[1]), count: Number(m[2]) }] : [];
  });
  if (found.length === 0) {
    throw new Error(`--merge: ${outDir} has no finished shards (results.shard-i-of-n.meta.json)`);
  }
  const counts = [...new Set(found.map((f) => f.count))];
  if (counts.length > 1) {
    throw new Error(
      `--merge: ${outDir} mixes shard counts ${counts.join(' and ')}; remove the stale shard files`,
    );
  }
  const count = counts[0]!;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !found.some((f) => f.index === i));
  if (missing.length > 0) {
    throw new Error(
      `--merge: shards ${missing.map((i) => `${i}/${count}`).join(', ')} of ${count} are missing or unfinished in ${outDir}`,
    );
  }
  const byPosition = new Map<number, YtvisResult[]>();
  let first: InferShardMeta | null = null;
  for (let index = 0; index < count; index++) {
    const shard = { index, count };
    const metaPath = join(outDir, shardMetaFile(shard));
    const meta = parseMeta(metaPath);
    first ??= meta;
    if (meta.source !== first.source || meta.model !== first.model) {
      throw new PointvisDataError(
        `shard ${index}/${count} ran ${meta.model} on ${meta.source}, shard 0/${count} ${first.model} on ${first.source}`,
        { file: metaPath },
      );
    }
    const resultsPath = join(outDir, shardResultsFile(shard));
    const results = loadYtvisResults(resultsPath);
    const byVideo = new Map<number, YtvisResult[]>();
    for (const r of results) byVideo.set(r.video_id, [...(byVideo.get(r.video_id) ?? []), r]);
    for (const video of meta.videos) {
      const entries = byVideo.get(video.id) ?? [];
      if (entries.length !== video.results) {
        throw new PointvisDataError(
          `video ${video.id} has ${entries.length} results entries, its meta file says ${video.results}`,
          { file: resultsPath },
        );
      }
      if (byPosition.has(video.position)) {
        throw new PointvisDataError(`input position ${video.position} (video ${video.id}) is in two shards`, {
          file: metaPath,
        });
      }
      byPosition.set(video.position, entries);
      byVideo.delete(video.id);
    }
    if (byVideo.size > 0) {
      throw new PointvisDataError(
        `results for videos ${[...byVideo.keys()].join(', ')} not listed in the meta file`,
        {
          file: resultsPath,
        },
      );
    }
  }
  const positions = [...byPosition.keys()].sort((a, b) => a - b);
  const merged = positions.flatMap((p) => byPosition.get(p)!);
  const resultsFile = join(outDir, RESULTS_FILE);
  saveYtvisResults(resultsFile, merged);
  return { resultsFile, shards: count, videos: positions.length, results: merged.length };
}
