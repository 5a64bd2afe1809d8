/**
 * Where `pointvis run` keeps everything under its run directory. Every name follows from a
 * stage's inputs (the plan's keys), so two tables asking for the same training share one
 * folder and it is trained once.
 *
 *   run-config.yaml                 the resolved run config (absolute paths)
 *   stages/<kind>--<key>.json       completion markers: written last, atomically, by each stage
 *   data/data.json                  the data's files and categories (shared / novel); data/synth/
 *   points/<points>.json            simulated clicks (+ .summary.json)
 *   pretrain/                       the image model's training run
 *   proposals/                      class-agnostic proposals of the training videos
 *   pseudo/<pseudo>.json            pseudo masks (+ .summary.json)
 *   train/<model>/                  video model trainings (+ ap.jsonl: AP during training)
 *   selftrain/<model>/round-<r>/    self-training rounds
 *   infer/<model>/results.json      predictions on the validation videos (figure/: overlay strips)
 *   eval/<model>.json               AP/AR on all, shared and novel categories
 *   figures/                        curves (SVG) and pseudo-mask strips (PNG)
 *   report.md
 */
import { join } from 'node:path';
import { FINAL_MODEL_FILE } from '../train/index.js';

export const RUN_CONFIG_FILE = 'run-config.yaml';
export const REPORT_FILE = 'report.md';
export const AP_LOG_FILE = 'ap.jsonl';

export class RunLayout {
  constructor(readonly root: string) {}

  get runConfig(): string {
    return join(this.root, RUN_CONFIG_FILE);
  }
  get report(): string {
    return join(this.root, REPORT_FILE);
  }
  get stages(): string {
    return join(this.root, 'stages');
  }
  stageMarker(stageId: string): string {
    return join(this.stages, `${stageId.replace(':', '--')}.json`);
  }
  get dataInfo(): string {
    return join(this.root, 'data', 'data.json');
  }
  get synth(): string {
    return join(this.root, 'data', 'synth');
  }
  points(key: string): string {
    return join(this.root, 'points', `${key}.json`);
  }
  get pretrain(): string {
    return join(this.root, 'pretrain');
  }
  get pretrainWeights(): string {
    return join(this.pretrain, FINAL_MODEL_FILE);
  }
  get proposals(): string {
    return join(this.root, 'proposals');
  }
  pseudo(key: string): string {
    return join(this.root, 'pseudo', `${key}.json`);
  }
  train(key: string): string {
    return join(this.root, 'train', key);
  }
  selftrain(key: string): string {
    return join(this.root, 'selftrain', key);
  }
  infer(model: string): string {
    return join(this.root, 'infer', model);
  }
  evaluation(model: string): string {
    return join(this.root, 'eval', `${model}.json`);
  }
  get figures(): string {
    return join(this.root, 'figures');
  }
}
