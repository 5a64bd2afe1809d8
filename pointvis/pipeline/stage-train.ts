/**
 * The training stages: the image model on the image set (pretrain), and every video training
 * of the plan — ground-truth masks (optionally on a subsample of frames), the VISP baselines on
 * points, or pseudo masks on the point-annotated frames — from the pretrained image weights. A
 * half-done training resumes from its last checkpoint; with `test.evalPeriod` > 0 the video
 * trainings are evaluated on the validation videos every that many iterations (AP curves).
 */
import type { PointvisConfig } from '../../model/config/index.js';
import {
  loaderStream,
  loadInitialWeights,
  imageTraining,
  trainRunState,
  videoTraining,
} from '../train/index.js';
import type { VideoSupervision } from '../train/index.js';
import type { RunContext } from './context';
import type { TrainSpec } from './plan';
import { configLayer } from './run-config-load';
import { trainingEvalHook } from './stage-evaluate';

export interface TrainingOutcome {
  dir: string;
  iteration: number;
  interrupted: boolean;
  finalLoss: number | null;
}

export async function pretrainStage(ctx: RunContext): Promise<TrainingOutcome> {
  const config = ctx.imageConfig();
  const dir = ctx.layout.pretrain;
  const state = trainRunState(dir);
  const { model, task, source } = imageTraining(config, {
    dataFile: ctx.data.images.annotations,
    framesRoot: ctx.data.images.root,
  });
  try {
    ctx.log(`pretrain: ${source.size} training images; ${config.solver.maxIter} iterations`);
    if (state === 'none' && config.model.weights !== null) {
      ctx.log(`pretrain: ${loadInitialWeights(model, config.model.weights, 'imageModel model.weights')}`);
    }
    const result = await ctx.runTraining(
      { config, task, data: loaderStream(source, config), outDir: dir, resume: state !== 'none' },
      'pretrain',
    );
    return {
      dir,
      iteration: result.iteration,
      interrupted: result.interrupted,
      finalLoss: result.lastLosses?.total_loss ?? null,
    };
  } finally {
    model.dispose();
  }
}

function supervisionOf(ctx: RunContext, spec: TrainSpec): VideoSupervision {
  switch (spec.kind) {
    case 'gt':
      return { kind: 'masks' };
    case 'visp':
    case 'visp-cineg':
      return { kind: 'points', file: ctx.layout.points(spec.points), baseline: spec.kind };
    case 'pseudo':
      // Frames without points carry no labels: they are not background, so they are left out.
      return { kind: 'pseudo', file: ctx.layout.pseudo(spec.pseudo), points: ctx.layout.points(spec.points) };
  }
}

/** The video config of a training: GT on subsampled frames keeps only MinVIS's frames. */
export function trainingConfig(ctx: RunContext, spec: TrainSpec): PointvisConfig {
  if (spec.kind === 'gt' && spec.frameRatio < 1) {
    return ctx.videoConfig([
      configLayer(
        { video: { samplingFrameRatio: spec.frameRatio } },
        `run (${spec.key}: frames ${spec.frameRatio})`,
      ),
    ]);
  }
  return ctx.videoConfig();
}

export async function videoTrainingStage(ctx: RunContext, spec: TrainSpec): Promise<TrainingOutcome> {
  const config = trainingConfig(ctx, spec);
  const dir = ctx.layout.train(spec.key);
  const state = trainRunState(dir);
  const { model, task, source, describe } = videoTraining(config, {
    dataFile: ctx.data.trainVideos.annotations,
    framesRoot: ctx.data.trainVideos.root,
    supervision: supervisionOf(ctx, spec),
  });
  try {
    ctx.log(
      `train ${spec.key}: ${source.size} training frames (${describe}); ${config.solver.maxIter} iterations`,
    );
    if (state === 'none') {
      ctx.log(
        `train ${spec.key}: ${loadInitialWeights(model, ctx.layout.pretrainWeights, 'the pretrained image model')}`,
      );
    }
    const result = await ctx.runTraining(
      {
        config,
        task,
        data: loaderStream(source, config),
        outDir: dir,
        resume: state !== 'none',
        periodic: trainingEvalHook(ctx, `train ${spec.key}`, dir, model, config),
      },
      `train ${spec.key}`,
    );
    return {
      dir,
      iteration: result.iteration,
      interrupted: result.interrupted,
      finalLoss: result.lastLosses?.total_loss ?? null,
    };
  } finally {
    model.dispose();
  }
}
