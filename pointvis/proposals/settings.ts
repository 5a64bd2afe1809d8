/**
 * What the proposals stage takes from a run config: the model's test-time frame input (resize,
 * normalisation, padding) and the MinVIS window, R and mask threshold. Shared by
 * `pointvis proposals` and `pointvis selftrain`.
 */
import type { PointvisConfig } from '../../model/config/index.js';
import { DEFAULT_WINDOW_SIZE, minvisSettingsFromConfig } from '../../model/minvis/index.js';
import type { ProposalMaskSize } from './generate';
import type { ProposalRunOptions } from './run';

export function proposalSettingsFromConfig(
  config: PointvisConfig,
  maskSize: ProposalMaskSize,
): Pick<ProposalRunOptions, 'frameInput' | 'proposal'> {
  const queries = config.model.decoder.numQueries;
  const supervision = config.pointSupervision;
  return {
    frameInput: {
      resize: { shortEdge: config.input.minSizeTest, maxSize: config.input.maxSizeTest },
      collate: {
        pixelMean: config.model.pixelMean,
        pixelStd: config.model.pixelStd,
        sizeDivisibility: config.model.sizeDivisibility,
      },
    },
    proposal: {
      windowSize: config.video ? minvisSettingsFromConfig(config).windowSize : DEFAULT_WINDOW_SIZE,
      proposalsPerVideo: Math.min(queries, supervision?.proposalsPerVideo ?? queries),
      threshold: supervision?.proposalMaskThreshold ?? 0.5,
      maskSize,
    },
  };
}

/** `HxW`, `frame` (the video's size) or `native` (the mask logits' grid); `what` names the setting in errors. */
export function parseMaskSize(text: string, what = '--size'): ProposalMaskSize {
  if (text === 'frame' || text === 'native') return text;
  const m = /^(\d+)x(\d+)$/i.exec(text.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
    throw new Error(`${what}: "${text}" is not HxW (e.g. 180x320), "frame" or "native"`);
  }
  return [Number(m[1]), Number(m[2])];
}
