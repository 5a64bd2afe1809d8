// Reading, validating and writing the JSON formats pointvis uses (see README.md).
export type * from './types';
export { parseYtvis, loadYtvis, saveYtvis } from './ytvis';
export { parseYtvisResults, loadYtvisResults, saveYtvisResults } from './ytvis-results';
export { parseCoco, loadCoco, saveCoco, parseCocoResults, loadCocoResults, saveCocoResults } from './coco';
export {
  parsePointFrames,
  loadPointFrames,
  savePointFrames,
  dropTrackIds,
  addTrackIds,
} from './point-frames';
export { readJsonFile, parseJsonText } from './json-path';
