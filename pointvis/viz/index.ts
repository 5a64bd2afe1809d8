// Pictures for inspection: PNG strips of a video's frames with points and (pseudo) masks
// overlaid, as the paper's Figure 3.
export {
  NEGATIVE,
  OBJECT_COLORS,
  POSITIVE,
  type Rgb,
  drawPoint,
  objectColor,
  overlayMask,
  resizeFrame,
  resizeMask,
} from './draw';
export {
  type StripObject,
  type StripOptions,
  defaultStripHeight,
  pickStripFrames,
  renderStrip,
} from './strip';
export { type PseudoStripOptions, savePseudoStrip, savePseudoStrips } from './pseudo-strips';
