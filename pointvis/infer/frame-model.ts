/**
 * A trained Mask2Former as MinVIS's per-frame function (inference mode, queries' embeddings for
 * tracking). Browser-safe: the CLI (image-model.ts loads weights from disk) and the browser app
 * share it.
 */
import type { Tensor } from '../../engine/index.js';
import type { Mask2Former } from '../../model/mask2former/index.js';
import type { FrameOutputs, ImageModelFn } from '../../model/minvis/index.js';

/** The model's per-frame outputs MinVIS needs (call `model.eval()` first for inference). */
export function frameModelFn(model: Mask2Former): ImageModelFn {
  return (frames: Tensor): FrameOutputs => {
    const out = model.forward(frames);
    return { predLogits: out.predLogits, predMasks: out.predMasks, queryEmbeddings: out.queryEmbeddings };
  };
}
