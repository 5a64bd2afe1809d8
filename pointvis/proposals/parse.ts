import {
  JsonPath,
  expectArray,
  expectInteger,
  expectNumber,
  expectObject,
  expectString,
} from '../formats/json-path';
import { decompressRle } from '../rle';
import { checkCountsSum } from '../rle/codec';
import { PROPOSALS_FORMAT, PROPOSALS_VERSION, type ProposalEntry, type VideoProposalFile } from './types';

function sizePair(value: unknown, path: JsonPath): [number, number] {
  const pair = expectArray(value, path);
  if (pair.length !== 2) path.fail(`expected [height, width], got a list of ${pair.length}`);
  return [expectInteger(pair[0], path.part(0), 1), expectInteger(pair[1], path.part(1), 1)];
}

function parseEntry(
  value: unknown,
  path: JsonPath,
  frames: number,
  maskSize: [number, number],
): ProposalEntry {
  const record = expectObject(value, path);
  const frameList = (key: string) => {
    const list = expectArray(record[key], path.key(key));
    if (list.length !== frames) path.key(key).fail(`${list.length} entries for ${frames} frames`);
    return list;
  };
  const masks = frameList('masks').map((m, t) => {
    if (m === null) return null;
    const p = path.key('masks').at(t);
    const counts = expectString(m, p);
    const rle = decompressRle({ size: maskSize, counts }, p.where());
    checkCountsSum(rle.counts, maskSize[0] * maskSize[1], p.where());
    return counts;
  });
  return {
    query: expectInteger(record.query, path.key('query'), 0),
    maskness: expectNumber(record.maskness, path.key('maskness'), 0, 1),
    confidence: expectNumber(record.confidence, path.key('confidence'), 0, 1),
    inside: expectNumber(record.inside, path.key('inside'), 0, 1),
    frame_maskness: frameList('frame_maskness').map((x, t) =>
      expectNumber(x, path.key('frame_maskness').at(t), 0, 1),
    ),
    masks,
  };
}

/** Validates one video's proposals file; every problem names the file and the field. */
export function parseVideoProposals(value: unknown, file: string): VideoProposalFile {
  const root = new JsonPath(file);
  const record = expectObject(value, root);
  if (record.format !== PROPOSALS_FORMAT) {
    root.key('format').fail(`not a proposals file (format ${JSON.stringify(record.format)})`);
  }
  const version = expectInteger(record.version, root.key('version'));
  if (version !== PROPOSALS_VERSION)
    root.key('version').fail(`version ${version} is not ${PROPOSALS_VERSION}`);
  const frames = expectInteger(record.frames, root.key('frames'), 1);
  const maskSize = sizePair(record.mask_size, root.key('mask_size'));
  const proposals = expectArray(record.proposals, root.key('proposals'));
  return {
    format: PROPOSALS_FORMAT,
    version,
    video_id: expectInteger(record.video_id, root.key('video_id')),
    frames,
    frame_size: sizePair(record.frame_size, root.key('frame_size')),
    mask_size: maskSize,
    threshold: expectNumber(record.threshold, root.key('threshold'), 0, 1),
    queries: expectInteger(record.queries, root.key('queries'), 0),
    proposals: proposals.map((p, r) => parseEntry(p, root.key('proposals').at(r), frames, maskSize)),
  };
}
