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
