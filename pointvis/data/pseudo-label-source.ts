import type { PointFramesDataset, YtvisDataset } from '../formats/types';
import { type AnnotationInput, resolvePoints } from './annotation-input';
import { pointAnnotatedFrames } from './video-frames';
import { YtvisMaskSource, type YtvisMaskSourceOptions } from './ytvis-mask-source';

export interface PseudoLabelSourceOptions extends YtvisMaskSourceOptions {
  /**
   * The point file the pseudo labels were made from. When given, only the frames it annotates
   * are samples: on the other frames a missing pseudo mask means "not labelled", not "absent".
   */
  pointAnnotations?: AnnotationInput<YtvisDataset | PointFramesDataset>;
}

/** Per-frame training on pseudo masks (a YouTube-VIS file written by the matcher). */
export function pseudoLabelSource(options: PseudoLabelSourceOptions): YtvisMaskSource {
  const { pointAnnotations, ...rest } = options;
  if (pointAnnotations === undefined) return new YtvisMaskSource(rest);
  const annotated = pointAnnotatedFrames(resolvePoints(pointAnnotations).dataset);
  const keep = rest.keepFrames;
  return new YtvisMaskSource({
    ...rest,
    keepFrames: (videoId, frame) => annotated(videoId, frame) && (keep?.(videoId, frame) ?? true),
  });
}
