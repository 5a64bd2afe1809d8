/**
 * A trained Mask2Former loaded from disk as MinVIS's per-frame function (Node). `pointvis infer`,
 * `proposals`, `selftrain` and `run` load their models here.
 */
import type { PointvisConfig } from '../../model/config/index.js';
import { type Mask2Former, mask2formerFromConfig } from '../../model/mask2former/index.js';
import type { ImageModelFn } from '../../model/minvis/index.js';
import { loadWeightsFile } from '../io/checkpoint-file.js';
import { frameModelFn } from './frame-model.js';

export { frameModelFn } from './frame-model.js';

export interface LoadedFrameModel {
  fn: ImageModelFn;
  model: Mask2Former;
  /** Tensors loaded from the weights file. */
  tensors: number;
  dispose(): void;
}

/** The config's Mask2Former with `weights` loaded strictly, in eval mode. */
export function loadFrameModel(config: PointvisConfig, weights: string): LoadedFrameModel {
  const model = mask2formerFromConfig(config);
  try {
    const loaded = loadWeightsFile(weights, model, { strict: true });
    model.eval();
    return { fn: frameModelFn(model), model, tensors: loaded.loaded.length, dispose: () => model.dispose() };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
