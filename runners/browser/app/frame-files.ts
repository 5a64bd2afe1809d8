/**
 * A video from picked or dropped frame files: the JPEG/PNG files in the CLI's frame order
 * (pointvis/infer/frame-names), decoded by the browser, all of one size (the CLI's rule too).
 */
import { PointvisDataError } from '../../../pointvis/errors.js';
import type { YtvisVideo } from '../../../pointvis/formats/types.js';
import type { RgbFrame } from '../../../pointvis/frames/frame.js';
import { FRAME_EXTENSIONS, byFrameName } from '../../../pointvis/infer/frame-names.js';

export interface LoadedVideo {
  /** Id 1, file names as picked (relative to the folder). */
  video: YtvisVideo;
  frames: RgbFrame[];
  /** The folder's name (or "frames"). */
  name: string;
}

/** A file and the name it is sorted and reported by (its path inside a picked folder). */
export interface NamedFile {
  file: Blob;
  name: string;
}

/** The last path part: frames sort by their own names, as `listFrameFiles` sorts a folder. */
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** Decodes an image file to RGB (no colour conversion, so PNG pixels arrive exactly). */
export async function decodeImageFile(file: Blob, name: string): Promise<RgbFrame> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new PointvisDataError('not a JPEG or PNG image the browser can decode', { file: name });
  }
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('this browser gives no 2D canvas to decode frames with');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = rgba[j]!;
    data[i + 1] = rgba[j + 1]!;
    data[i + 2] = rgba[j + 2]!;
  }
  return { width, height, data };
}

/** The frame files among `files`, in frame order; other files are ignored. */
export function frameFilesInOrder(files: readonly NamedFile[]): NamedFile[] {
  return files
    .filter((f) => FRAME_EXTENSIONS.test(f.name))
    .sort((a, b) => byFrameName(baseName(a.name), baseName(b.name)));
}

/** The folder part of the first file's path, as the video's name. */
function folderName(files: readonly NamedFile[]): string {
  const path = files[0]?.name ?? '';
  const slash = path.lastIndexOf('/');
  return slash > 0 ? baseName(path.slice(0, slash)) : 'frames';
}

export async function loadFrameFiles(
  files: readonly NamedFile[],
  onProgress: (done: number, total: number) => void,
): Promise<LoadedVideo> {
  const ordered = frameFilesInOrder(files);
  const source = folderName(files);
  if (ordered.length === 0) {
    throw new PointvisDataError('no frames: pick or drop a folder of .jpg, .jpeg or .png files', {
      file: source,
    });
  }
  const frames: RgbFrame[] = [];
  for (const [t, f] of ordered.entries()) {
    const frame = await decodeImageFile(f.file, f.name);
    const first = frames[0] ?? frame;
    if (frame.width !== first.width || frame.height !== first.height) {
      throw new PointvisDataError(
        `frame ${f.name} is ${frame.width}×${frame.height}, but the first frame ${ordered[0]!.name} is ` +
          `${first.width}×${first.height}: all frames of a video must have one size`,
        { file: f.name, index: t },
      );
    }
    frames.push(frame);
    onProgress(t + 1, ordered.length);
  }
  const { width, height } = frames[0]!;
  const video: YtvisVideo = {
    id: 1,
    width,
    height,
    length: frames.length,
    file_names: ordered.map((f) => baseName(f.name)),
  };
  return { video, frames, name: source };
}
