/**
 * The pseudo-label stage from files to files: point annotations + a proposals folder → pseudo
 * masks (YouTube-VIS JSON) and their summary, with the mIoU against ground truth when there is
 * one. `pointvis pseudo`, `pointvis selftrain` and `pointvis run` call this.
 */
import { loadYtvis } from '../formats';
import type { YtvisDataset } from '../formats/types';
import { ProposalStore, type Shard } from '../proposals';
import { shardOutputPath, writePseudoLabels } from './files';
import { type GroundTruthLookup, groundTruthFrom, hasSegmentations } from './miou';
import { loadPointAnnotations } from './points-input';
import { type PseudoRunResult, runPseudoLabels } from './run';
import type { PseudoOptions } from './types';

export interface GroundTruthInput {
  lookup: GroundTruthLookup;
  file: string;
}

/** Ground truth for the mIoU from a YouTube-VIS file with masks. */
export function loadGroundTruth(file: string): GroundTruthInput {
  return { lookup: groundTruthFrom(loadYtvis(file), file), file };
}

/** The points themselves when they carry masks (a points file made with --keep-masks), else none. */
export function groundTruthOfPoints(points: YtvisDataset, pointsFile: string): GroundTruthInput | null {
  return hasSegmentations(points) ? { lookup: groundTruthFrom(points, pointsFile), file: pointsFile } : null;
}

export interface PseudoStageOptions extends PseudoOptions {
  pointsFile: string;
  proposalsDir: string;
  /** Output JSON; a shard writes `<out>.shard-<i>-of-<n>.json` (summary beside it). */
  out: string;
  /** Ground truth for the mIoU; default: the points file when it has segmentations; null: none. */
  groundTruth?: GroundTruthInput | null;
  shard?: Shard;
  /** What to do when the points have no tracks and the variant needs them (ends the error message). */
  perFrameHint?: string;
  onVideos?: (done: number, total: number) => void;
}

export interface PseudoStageResult extends PseudoRunResult {
  /** The file written (the shard's when sharded). */
  out: string;
}

export async function makePseudoLabels(options: PseudoStageOptions): Promise<PseudoStageResult> {
  const { pointsFile, proposalsDir, out, groundTruth, shard, perFrameHint, onVideos, ...matcher } = options;
  const { dataset: points, tracked } = loadPointAnnotations(pointsFile);
  if (!tracked && (matcher.variant ?? 'pointvis') !== 'pf') {
    throw new Error(
      `${pointsFile} has per-frame points (no tracks): ${perFrameHint ?? 'match them per frame (variant pf)'}`,
    );
  }
  const truth = groundTruth !== undefined ? groundTruth : groundTruthOfPoints(points, pointsFile);
  const result = await runPseudoLabels({
    ...matcher,
    points,
    pointsFile,
    proposals: new ProposalStore(proposalsDir),
    proposalsSource: proposalsDir,
    groundTruth: truth?.lookup ?? null,
    groundTruthFile: truth?.file,
    shard,
    onVideos,
  });
  const file = shard === undefined ? out : shardOutputPath(out, shard);
  writePseudoLabels(file, result);
  return { ...result, out: file };
}
