import type { YtvisDataset } from '../formats/types';
import { JsonPath, expectObject, readJsonFile } from '../formats/json-path';
import { parseYtvis } from '../formats/ytvis';

/**
 * Reads a YouTube-VIS ground truth for evaluation. Beyond the format's own checks it insists on
 * what the metric needs and the format lets go (the format reads a missing `iscrowd` as 0 and
 * allows annotations without `areas`): the official evaluator reads both on every annotation, and
 * guessing them would silently change the metric.
 */
export function loadYtvisGroundTruthForEval(path: string): YtvisDataset {
  const raw = readJsonFile(path);
  const root = new JsonPath(path);
  const annotations = expectObject(raw, root).annotations;
  if (Array.isArray(annotations)) {
    annotations.forEach((ann, i) => {
      const at = root.key('annotations').at(i);
      const record = expectObject(ann, at);
      if (record.iscrowd === undefined)
        at.key('iscrowd').fail('evaluation needs "iscrowd" (0 or 1) on every annotation');
      if (!Array.isArray(record.areas))
        at.key('areas').fail('evaluation needs per-frame "areas" on every annotation');
    });
  }
  return parseYtvis(raw, path);
}
