/**
 * The label stages of the method: class-agnostic proposals of the training videos from the
 * pretrained image model, pseudo masks from them with the point-based matcher (one set per
 * points file, matching variant and λ), and the self-training rounds.
 */
import type { PointvisConfig } from '../../model/config/index.js';
import { loadFrameModel } from '../infer/index.js';
import { loadYtvis } from '../formats/index.js';
import {
  type ProposalMaskSize,
  parseMaskSize,
  proposalSettingsFromConfig,
  runProposals,
} from '../proposals/index.js';
import { type PseudoSummary, loadGroundTruth, makePseudoLabels } from '../pseudo/index.js';
import { type RoundReport, runSelfTraining } from '../selftrain/index.js';
import { FINAL_MODEL_FILE } from '../train/index.js';
import { join } from 'node:path';
import type { RunContext } from './context';
import type { PseudoSpec, SelfTrainSpec } from './plan';
import { trainingEvalHook } from './stage-evaluate';

/**
 * Proposal settings: the image model's test-time input and window; R and the mask threshold from
 * the video config's pointSupervision (the method's settings), R capped at the image model's queries.
 */
function proposalSettings(image: PointvisConfig, video: PointvisConfig, maskSize: ProposalMaskSize) {
  const settings = proposalSettingsFromConfig(image, maskSize);
  const ps = video.pointSupervision;
  if (ps === null) return settings;
  return {
    ...settings,
    proposal: {
      ...settings.proposal,
      proposalsPerVideo: Math.min(image.model.decoder.numQueries, ps.proposalsPerVideo),
      threshold: ps.proposalMaskThreshold,
    },
  };
}

export async function proposalsStage(ctx: RunContext): Promise<{ videos: number; reused: number }> {
  const image = ctx.imageConfig();
  const settings = proposalSettings(
    image,
    ctx.videoConfig(),
    parseMaskSize(ctx.config.proposals.maskSize, 'proposals.maskSize'),
  );
  const model = loadFrameModel(image, ctx.layout.pretrainWeights);
  try {
    ctx.log(
      `proposals: R = ${settings.proposal.proposalsPerVideo}, threshold ${settings.proposal.threshold}`,
    );
    const result = await runProposals({
      dataset: loadYtvis(ctx.data.trainVideos.annotations),
      dataFile: ctx.data.trainVideos.annotations,
      framesRoot: ctx.data.trainVideos.root,
      outDir: ctx.layout.proposals,
      modelFor: () => model.fn,
      modelName: `${ctx.config.imageModel.config} + ${ctx.layout.pretrainWeights}`,
      ...settings,
      resume: ctx.resume,
      onVideo: (done, total) => ctx.hooks.onVideos?.('proposals', done, total),
    });
    return { videos: result.videos.length, reused: result.reused };
  } finally {
    model.dispose();
  }
}

export async function pseudoStage(ctx: RunContext, spec: PseudoSpec): Promise<PseudoSummary> {
  const ps = ctx.videoConfig().pointSupervision;
  const result = await makePseudoLabels({
    pointsFile: ctx.layout.points(spec.points),
    proposalsDir: ctx.layout.proposals,
    out: ctx.layout.pseudo(spec.key),
    groundTruth: loadGroundTruth(ctx.data.trainVideos.annotations),
    variant: spec.variant,
    weights: { ann: spec.lambda[0], cineg: spec.lambda[1], maskness: spec.lambda[2] },
    presence: ps?.presence ?? 'any-point',
    normalize: ps?.normalization ?? 'none',
    onVideos: (done, total) => ctx.hooks.onVideos?.(`pseudo ${spec.key}`, done, total),
  });
  const miou = result.summary.miou === null ? 'n/a' : (100 * result.summary.miou).toFixed(1);
  ctx.log(
    `pseudo ${spec.key}: ${result.summary.objects_labelled}/${result.summary.objects} objects labelled, mIoU ${miou}`,
  );
  return result.summary;
}

/** The final weights of a self-training run. */
export function selftrainWeights(ctx: RunContext, spec: SelfTrainSpec): string {
  return join(ctx.layout.selftrain(spec.key), `round-${spec.rounds}`, 'train', FINAL_MODEL_FILE);
}

export async function selftrainStage(
  ctx: RunContext,
  spec: SelfTrainSpec,
): Promise<{ rounds: RoundReport[]; interrupted: boolean }> {
  const config = ctx.selfTrainingConfig();
  const outDir = ctx.layout.selftrain(spec.key);
  const result = await runSelfTraining({
    config,
    configFile: ctx.config.videoModel.config,
    weights: join(ctx.layout.train(spec.from), FINAL_MODEL_FILE),
    dataFile: ctx.data.trainVideos.annotations,
    framesRoot: ctx.data.trainVideos.root,
    pointsFile: ctx.layout.points(spec.points),
    outDir,
    rounds: spec.rounds,
    resume: ctx.resume,
    lambda: { ann: spec.lambda[0], cineg: spec.lambda[1], maskness: spec.lambda[2] },
    groundTruth: loadGroundTruth(ctx.data.trainVideos.annotations),
    maskSize: parseMaskSize(ctx.config.proposals.maskSize, 'proposals.maskSize'),
    runTraining: (options) =>
      ctx.runTraining(
        {
          ...options,
          periodic: trainingEvalHook(
            ctx,
            `selftrain ${spec.key}`,
            options.outDir,
            options.task.model,
            config,
          ),
        },
        `selftrain ${spec.key}`,
      ),
    onLog: (line) => ctx.log(`selftrain ${spec.key}: ${line}`),
    onVideos: (stage, round, done, total) =>
      ctx.hooks.onVideos?.(`selftrain ${spec.key} round ${round} ${stage}`, done, total),
  });
  return { rounds: result.rounds, interrupted: result.rounds.some((r) => !r.finished) };
}
