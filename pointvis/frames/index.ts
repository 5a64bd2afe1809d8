// Video frames on disk: decoding JPEG/PNG to RGB, writing them atomically, loading a video's frames.
export type { RgbFrame } from './frame';
export { loadFrame, decodeImage, encodeJpeg, encodePng, saveJpeg, savePng } from './image-io';
export { loadVideoFrame, loadVideoFrames, videoFramePath } from './video-frames';
