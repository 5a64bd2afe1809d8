/**
 * What `infer` runs on, as a list of YouTube-VIS videos with their frames folders: a dataset
 * file (all its videos), a folder of frames (one video) or a video file (one video, decoded by
 * ffmpeg into a temporary folder).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { CategoryMap } from '../data/category-map';
import type { YtvisVideo } from '../formats/types';
import { loadYtvis } from '../formats/ytvis';
import { type ExtractFramesOptions, extractVideoFrames } from './ffmpeg';
import { folderVideoName, frameFolderVideo } from './frame-folder';

export interface InferVideo {
  /** file_names relative to framesRoot. */
  video: YtvisVideo;
  framesRoot: string;
  /** Index in the input's video list: what --shard splits on and what orders the results. */
  position: number;
  /** Folder name of the video's overlays. */
  name: string;
}

export interface InferInput {
  /** The dataset file, frames folder or video file (named in errors and shard files). */
  source: string;
  videos: InferVideo[];
  /** The dataset's own categories; null for frames and video files. */
  categories: CategoryMap | null;
  /** Removes temporary files (the decoded frames of a video file). */
  dispose(): void;
}

/** The folder part of a YouTube-VIS file name ("0b6db1c6fd/00000.jpg" → "0b6db1c6fd"). */
function datasetVideoName(video: YtvisVideo): string {
  const first = video.file_names[0] ?? '';
  const slash = first.lastIndexOf('/');
  const folder = slash > 0 ? first.slice(0, slash) : '';
  return folder === '' ? `video-${video.id}` : folder.replaceAll('/', '_');
}

/** Every video of a YouTube-VIS file, frames under `framesRoot`. */
export function datasetInput(dataFile: string, framesRoot: string): InferInput {
  const dataset = loadYtvis(dataFile);
  const root = resolve(framesRoot);
  const used = new Set<string>();
  const videos = dataset.videos.map((video, position) => {
    let name = datasetVideoName(video);
    if (used.has(name)) name = `${name}-${video.id}`;
    used.add(name);
    return { video, framesRoot: root, position, name };
  });
  return {
    source: dataFile,
    videos,
    categories: new CategoryMap(dataset.categories, dataFile),
    dispose: () => {},
  };
}

/** A folder of frames as one video (id 1). */
export function frameFolderInput(dir: string): InferInput {
  const video = frameFolderVideo(dir);
  return {
    source: dir,
    videos: [{ video, framesRoot: resolve(dir), position: 0, name: folderVideoName(dir) }],
    categories: null,
    dispose: () => {},
  };
}

/** A video file as one video (id 1): its frames are decoded by ffmpeg into a temporary folder. */
export async function videoFileInput(file: string, options: ExtractFramesOptions = {}): Promise<InferInput> {
  const dir = mkdtempSync(join(tmpdir(), 'pointvis-infer-frames-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    await extractVideoFrames(file, dir, options);
    const video = frameFolderVideo(dir);
    const name = basename(file, extname(file)) || 'video-1';
    return {
      source: file,
      videos: [{ video, framesRoot: dir, position: 0, name }],
      categories: null,
      dispose,
    };
  } catch (err) {
    dispose();
    throw err;
  }
}
