/** MinVIS test-time settings of `infer`, from a run config. */
import type { PointvisConfig } from '../../model/config/index.js';
import { DEFAULT_TOPK_PER_VIDEO, DEFAULT_WINDOW_SIZE } from '../../model/minvis/index.js';
import type { CollateOptions } from '../data/assemble-batch';

export interface InferenceSettings {
  /** ResizeShortestEdge at test time: short side `shortEdge`, long side capped at `maxSize`. */
  resize: { shortEdge: number; maxSize: number };
  /** Normalisation (0–255 RGB mean/std) and padding of the network input. */
  collate: CollateOptions;
  /** Frames per model call; the tracks continue across windows, so only memory depends on it. */
  windowSize: number;
  /** Instances kept per video over queries × classes. */
  topk: number;
  /** A pixel is in a mask where its logit (at the original resolution) exceeds this. */
  maskThreshold: number;
  /** Classes of the model, without no-object. */
  numClasses: number;
}

/**
 * The settings of a config: `input.minSizeTest`/`maxSizeTest`, `model.pixelMean`/`pixelStd`/
 * `sizeDivisibility`, `video.windowSize`/`topkPerVideo`/`maskLogitThreshold`. The model is per
 * frame, so window inference is always on (it bounds memory and changes no output); a config
 * without a `video` section (an image model) gets MinVIS's defaults (30 frames, top 10, logit 0).
 */
export function inferenceSettingsFromConfig(cfg: PointvisConfig): InferenceSettings {
  return {
    resize: { shortEdge: cfg.input.minSizeTest, maxSize: cfg.input.maxSizeTest },
    collate: {
      pixelMean: [...cfg.model.pixelMean],
      pixelStd: [...cfg.model.pixelStd],
      sizeDivisibility: cfg.model.sizeDivisibility,
    },
    windowSize: cfg.video?.windowSize ?? DEFAULT_WINDOW_SIZE,
    topk: cfg.video?.topkPerVideo ?? DEFAULT_TOPK_PER_VIDEO,
    maskThreshold: cfg.video?.maskLogitThreshold ?? 0,
    numClasses: cfg.model.numClasses,
  };
}
