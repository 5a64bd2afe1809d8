/**
 * Where a self-training run keeps each round's outputs, and when a stage's output counts as
 * complete (so a rerun with resume skips it). Every file is written atomically by its stage, and
 * each stage writes its "done" marker last: the proposals shard manifest, the pseudo summary,
 * the trainer's model_final.safetensors.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { YtvisDataset } from '../formats/types';
import { type ShardManifest, WHOLE, shardTag, videoProposalFileName } from '../proposals';
import { summaryPath } from '../pseudo';
import { FINAL_MODEL_FILE, type TrainState, trainRunState } from '../train/index.js';

export interface RoundPaths {
  dir: string;
  proposals: string;
  pseudo: string;
  pseudoSummary: string;
  train: string;
  finalWeights: string;
}

/** OUT/round-<r> (1-based) and its stages' outputs. */
export function roundPaths(outDir: string, round: number): RoundPaths {
  const dir = join(outDir, `round-${round}`);
  const pseudo = join(dir, 'pseudo.json');
  const train = join(dir, 'train');
  return {
    dir,
    proposals: join(dir, 'proposals'),
    pseudo,
    pseudoSummary: summaryPath(pseudo),
    train,
    finalWeights: join(train, FINAL_MODEL_FILE),
  };
}

/** The unsharded manifest lists every video of the dataset and each one's file is there. */
export function proposalsComplete(dir: string, dataset: YtvisDataset): boolean {
  const manifestPath = join(dir, `${shardTag(WHOLE)}.json`);
  if (!existsSync(manifestPath)) return false;
  let manifest: ShardManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ShardManifest;
  } catch {
    return false;
  }
  const listed = new Set(manifest.videos);
  return dataset.videos.every((v) => listed.has(v.id) && existsSync(join(dir, videoProposalFileName(v.id))));
}

/** The labels and their summary (written after the labels) are both there. */
export function pseudoComplete(paths: RoundPaths): boolean {
  return existsSync(paths.pseudo) && existsSync(paths.pseudoSummary);
}

export type { TrainState };

/** done: model_final is there; partial: a checkpoint to resume from; none: nothing yet. */
export function trainState(paths: RoundPaths): TrainState {
  return trainRunState(paths.train);
}

/** Round folders already in OUT (a fresh run refuses to mix with them). */
export function existingRounds(outDir: string): string[] {
  if (!existsSync(outDir)) return [];
  return readdirSync(outDir).filter((name) => /^round-\d+$/.test(name));
}
