/** MinVIS inference settings from a run config (kept apart from the functions that use them). */
import type { PointvisConfig, VideoConfig } from '../config/types.js';

export interface MinvisInferenceSettings {
  /** Frames per model call; Infinity (window inference off) runs the whole video at once. */
  windowSize: number;
  /** Instances kept per video. */
  topk: number;
  /** Mask logit threshold of the final masks. */
  maskThreshold: number;
  /** Classes without no-object. */
  numClasses: number;
  /** The padded input is a multiple of this. */
  sizeDivisibility: number;
}

export function minvisSettingsFromVideoConfig(
  video: VideoConfig,
  model: { numClasses: number; sizeDivisibility: number },
): MinvisInferenceSettings {
  return {
    windowSize: video.windowInference ? video.windowSize : Number.POSITIVE_INFINITY,
    topk: video.topkPerVideo,
    maskThreshold: video.maskLogitThreshold,
    numClasses: model.numClasses,
    sizeDivisibility: model.sizeDivisibility,
  };
}

/** Settings of a 'video-instance' run; throws for a config without a `video` section. */
export function minvisSettingsFromConfig(cfg: PointvisConfig): MinvisInferenceSettings {
  if (cfg.video === null) throw new Error(`MinVIS inference needs a video config (task '${cfg.task}')`);
  return minvisSettingsFromVideoConfig(cfg.video, cfg.model);
}
