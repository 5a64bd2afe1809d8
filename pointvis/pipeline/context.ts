/**
 * What every stage of a run shares: the run config, the run directory, whether it resumes, the
 * data (after the data stage), the model configs with the data's class counts, and the caller's
 * hooks (progress, log lines, how a training is run).
 */
import type { PointvisConfig, SourcedTree } from '../../model/config/index.js';
import type { LoadedBatch } from '../data/index.js';
import { type TrainOptions, type TrainResult, train } from '../train/index.js';
import type { RunLayout } from './layout';
import type { RunConfig } from './run-config';
import { configLayer, inContext, loadModelConfig, seedLayer, selfTrainingLayers } from './run-config-load';
import type { DataInfo } from './stage-data';

export interface StageEvent {
  id: string;
  /** 1-based position in the run and the number of stages. */
  index: number;
  total: number;
  status: 'start' | 'done' | 'skipped' | 'interrupted';
  /** Seconds the stage took (done, interrupted). */
  seconds?: number;
}

export interface PipelineHooks {
  /** Runs a training (default: the trainer itself); the CLI adds a progress bar and Ctrl-C. */
  runTraining?: (options: TrainOptions<LoadedBatch>, label: string) => Promise<TrainResult>;
  onLog?: (line: string) => void;
  /** Per-video progress of the proposals, pseudo-label and inference stages. */
  onVideos?: (label: string, done: number, total: number) => void;
  onStage?: (event: StageEvent) => void;
}

export class RunContext {
  private dataInfo: DataInfo | null = null;

  constructor(
    readonly config: RunConfig,
    readonly layout: RunLayout,
    readonly resume: boolean,
    readonly hooks: PipelineHooks,
  ) {}

  log(line: string): void {
    this.hooks.onLog?.(line);
  }

  get data(): DataInfo {
    if (this.dataInfo === null) throw new Error('the data stage has not run');
    return this.dataInfo;
  }

  setData(info: DataInfo): void {
    this.dataInfo = info;
  }

  runTraining(options: TrainOptions<LoadedBatch>, label: string): Promise<TrainResult> {
    if (this.hooks.runTraining) return this.hooks.runTraining(options, label);
    return train({ ...options, onLog: options.onLog ?? ((line) => this.log(`${label}: ${line}`)) });
  }

  /** The image model's config: its file, the run's overrides, the seed, the image set's class count. */
  imageConfig(): PointvisConfig {
    const classes = configLayer(
      { model: { numClasses: this.data.imageCategories.length } },
      `run (${this.data.imageCategories.length} image categories)`,
    );
    return inContext('imageModel', () =>
      loadModelConfig(this.config.imageModel, [seedLayer(this.config), classes]),
    );
  }

  /** The video model's config (with `extra` layers on top), classes = the training videos' categories. */
  videoConfig(extra: readonly SourcedTree[] = []): PointvisConfig {
    const classes = configLayer(
      { model: { numClasses: this.data.videoCategories.length } },
      `run (${this.data.videoCategories.length} video categories)`,
    );
    return inContext('videoModel', () =>
      loadModelConfig(this.config.videoModel, [seedLayer(this.config), classes, ...extra]),
    );
  }

  /** The video config of the self-training rounds. */
  selfTrainingConfig(): PointvisConfig {
    return this.videoConfig(selfTrainingLayers(this.config));
  }
}
