/** A folder of frame images as one video: the JPEG/PNG files sorted by name, one size for all. */
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PointvisDataError } from '../errors';
import type { YtvisVideo } from '../formats/types';
import { FRAME_EXTENSIONS, byFrameName } from './frame-names';
import { readImageSize } from './image-size';

/** The frame files of a folder (name only), sorted by name; other files are ignored. */
export function listFrameFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new PointvisDataError(
      `cannot read the frames folder: ${err instanceof Error ? err.message : String(err)}`,
      { file: dir },
    );
  }
  return names.filter((n) => FRAME_EXTENSIONS.test(n) && statSync(join(dir, n)).isFile()).sort(byFrameName);
}

/**
 * The video a frame folder holds, as a YouTube-VIS video whose file names are relative to the
 * folder. Every frame's header is read: a frame whose size differs from the first is an error
 * naming both.
 */
export function frameFolderVideo(dir: string, id = 1): YtvisVideo {
  const root = resolve(dir);
  const files = listFrameFiles(root);
  if (files.length === 0) {
    throw new PointvisDataError('no frames: the folder has no .jpg, .jpeg or .png files', { file: root });
  }
  const first = readImageSize(join(root, files[0]!));
  files.forEach((name, t) => {
    if (t === 0) return;
    const size = readImageSize(join(root, name));
    if (size.width !== first.width || size.height !== first.height) {
      throw new PointvisDataError(
        `frame ${name} is ${size.width}×${size.height}, but the first frame ${files[0]} is ` +
          `${first.width}×${first.height}: all frames of a video must have one size`,
        { file: join(root, name), index: t },
      );
    }
  });
  return { id, width: first.width, height: first.height, length: files.length, file_names: files };
}

/** A name for a video's outputs: its folder name, or `video-<id>`. */
export function folderVideoName(dir: string): string {
  return basename(resolve(dir)) || 'video-1';
}
