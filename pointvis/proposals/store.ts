import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PointvisDataError } from '../errors';
import {
  expectArray,
  expectInteger,
  expectObject,
  expectString,
  JsonPath,
  readJsonFile,
} from '../formats/json-path';
import { writeJsonAtomic } from '../io/atomic-write';
import { parseVideoProposals } from './parse';
import type { ProposalIndex, VideoProposalFile } from './types';

export const INDEX_FILE = 'index.json';
const VIDEO_FILE = /^video-(-?\d+)\.json$/;

export function videoProposalFileName(videoId: number): string {
  return `video-${videoId}.json`;
}

export function writeVideoProposals(dir: string, proposals: VideoProposalFile): string {
  const path = join(dir, videoProposalFileName(proposals.video_id));
  writeJsonAtomic(path, proposals);
  return path;
}

export function readVideoProposals(path: string): VideoProposalFile {
  return parseVideoProposals(readJsonFile(path), path);
}

function parseIndex(path: string): Map<number, string> {
  const root = new JsonPath(path);
  const record = expectObject(readJsonFile(path), root);
  if (record.format !== 'pointvis-proposals-index') root.key('format').fail('not a proposals index');
  const files = new Map<number, string>();
  expectArray(record.videos, root.key('videos')).forEach((v, i) => {
    const p = root.key('videos').at(i);
    const entry = expectObject(v, p);
    files.set(expectInteger(entry.video_id, p.key('video_id')), expectString(entry.file, p.key('file')));
  });
  return files;
}

/**
 * A directory of per-video proposals files, read lazily: the merged `index.json` when there is
 * one, otherwise every `video-<id>.json` found.
 */
export class ProposalStore {
  private readonly files: Map<number, string>;

  constructor(readonly dir: string) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new PointvisDataError('proposals directory does not exist', { file: dir });
    }
    const index = join(dir, INDEX_FILE);
    if (existsSync(index)) this.files = parseIndex(index);
    else {
      this.files = new Map();
      for (const name of readdirSync(dir).sort()) {
        const m = VIDEO_FILE.exec(name);
        if (m) this.files.set(Number(m[1]), name);
      }
    }
  }

  get videoIds(): number[] {
    return [...this.files.keys()];
  }

  has(videoId: number): boolean {
    return this.files.has(videoId);
  }

  /** The proposals of a video; a video without a file is an error that names it. */
  read(videoId: number, context = ''): VideoProposalFile {
    const name = this.files.get(videoId);
    const path = join(this.dir, name ?? videoProposalFileName(videoId));
    if (name === undefined || !existsSync(path)) {
      throw new PointvisDataError(`no proposals for video ${videoId}${context} (expected ${path})`, {
        file: this.dir,
      });
    }
    const proposals = readVideoProposals(path);
    if (proposals.video_id !== videoId) {
      throw new PointvisDataError(`holds video ${proposals.video_id}, not video ${videoId}`, {
        file: path,
        field: 'video_id',
      });
    }
    return proposals;
  }
}

export function writeProposalIndex(dir: string, index: ProposalIndex): void {
  writeJsonAtomic(join(dir, INDEX_FILE), index);
}
