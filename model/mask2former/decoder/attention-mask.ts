/**
 * The masked-attention mask of Mask2Former (M2F_SEMANTICS.md §3.3.5): the predicted mask logits
 * resized bilinearly (align_corners=False, no antialias) to the level the next layer reads,
 * blocked where sigmoid(logit) < 0.5, detached. The same mask serves every head, so it is
 * [B, 1, Q, HW] (the official [B·nH, Q, HW] repeats it). Rows that block every key are left as
 * they are: the `attention` op treats them as unmasked, which is the official fix.
 */
import { type Tensor, cast, interpolate, lt, noGrad, reshape, sigmoid } from '../../../engine/index.js';

/** u32 [B, 1, Q, h·w], nonzero = blocked, from mask logits [B, Q, Hm, Wm]; not differentiable. */
export function maskedAttentionMask(maskLogits: Tensor, size: readonly [number, number]): Tensor {
  return noGrad(() => {
    const [b, q] = maskLogits.shape as [number, number];
    const resized = interpolate(maskLogits, { size, alignCorners: false });
    // sigmoid first, as the official code: a logit within ~3e-8 below 0 gives exactly 0.5 there.
    const blocked = cast(lt(sigmoid(resized), 0.5), 'u32');
    return reshape(blocked, [b, 1, q, size[0] * size[1]]);
  });
}
