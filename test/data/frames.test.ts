import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import {
  loadFrame,
  loadVideoFrame,
  loadVideoFrames,
  saveJpeg,
  savePng,
  type RgbFrame,
} from '../../pointvis/frames';
import { PointvisDataError } from '../../pointvis/errors';
import type { YtvisVideo } from '../../pointvis/formats/types';

const root = mkdtempSync(join(tmpdir(), 'pointvis-frames-'));

/** A smooth colour gradient (JPEG-friendly) with a distinct value per channel. */
function gradient(width: number, height: number, shift = 0): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      data[i] = (x * 8 + shift) & 255;
      data[i + 1] = (y * 8) & 255;
      data[i + 2] = 128;
    }
  return { width, height, data };
}

function caught(fn: () => unknown): PointvisDataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PointvisDataError) return err;
    throw err;
  }
  throw new Error('nothing thrown');
}

describe('frames', () => {
  it('PNG round-trips exactly', () => {
    const frame = gradient(13, 7);
    const path = join(root, 'a.png');
    savePng(path, frame);
    expect(loadFrame(path)).toEqual(frame);
  });

  it('reads a PNG written by pngjs directly, with alpha dropped', () => {
    const png = new PNG({ width: 2, height: 1 });
    png.data = Buffer.from([10, 20, 30, 0, 40, 50, 60, 255]);
    const path = join(root, 'direct.png');
    writeFileSync(path, PNG.sync.write(png));
    expect(Array.from(loadFrame(path).data)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('JPEG round-trips approximately', () => {
    const frame = gradient(32, 16);
    const path = join(root, 'a.jpg');
    saveJpeg(path, frame, 95);
    const back = loadFrame(path);
    expect([back.width, back.height]).toEqual([32, 16]);
    let error = 0;
    for (let i = 0; i < frame.data.length; i++) error += Math.abs(back.data[i] - frame.data[i]);
    expect(error / frame.data.length).toBeLessThan(4);
  });

  it('recognises the format by content, not by name', () => {
    const frame = gradient(5, 4);
    const path = join(root, 'really-a-png.jpg');
    savePng(path, frame);
    expect(loadFrame(path)).toEqual(frame);
  });

  it('names the file for unreadable, unknown and broken images', () => {
    expect(caught(() => loadFrame(join(root, 'nope.jpg'))).file).toBe(join(root, 'nope.jpg'));
    const text = join(root, 'text.jpg');
    writeFileSync(text, 'hello');
    expect(caught(() => loadFrame(text)).message).toMatch(/text.jpg: not a JPEG or PNG/);
    const png = join(root, 'cut.png');
    savePng(png, gradient(20, 20));
    writeFileSync(png, readFileSync(png).subarray(0, 60));
    expect(caught(() => loadFrame(png)).message).toMatch(/cut.png: cannot decode PNG/);
    const jpg = join(root, 'cut.jpg');
    saveJpeg(jpg, gradient(20, 20));
    writeFileSync(jpg, readFileSync(jpg).subarray(0, 30));
    expect(caught(() => loadFrame(jpg)).message).toMatch(/cut.jpg: cannot decode JPEG/);
  });
});

describe('video frames', () => {
  const framesRoot = join(root, 'JPEGImages');
  mkdirSync(join(framesRoot, 'vid'), { recursive: true });
  const video: YtvisVideo = {
    id: 42,
    width: 6,
    height: 4,
    length: 3,
    file_names: ['vid/0.jpg', 'vid/1.jpg', 'vid/2.png'],
  };
  saveJpeg(join(framesRoot, 'vid/0.jpg'), gradient(6, 4, 0));
  saveJpeg(join(framesRoot, 'vid/1.jpg'), gradient(6, 4, 50));
  savePng(join(framesRoot, 'vid/2.png'), gradient(6, 4, 100));

  it('loads every frame, or the requested ones, relative to the frames root', () => {
    const frames = loadVideoFrames(framesRoot, video);
    expect(frames.map((f) => [f.width, f.height])).toEqual([
      [6, 4],
      [6, 4],
      [6, 4],
    ]);
    expect(loadVideoFrames(framesRoot, video, [2])[0]).toEqual(gradient(6, 4, 100));
  });

  it('rejects a frame whose size differs from the video, naming video, frame and file', () => {
    const wrong = { ...video, file_names: [...video.file_names] };
    savePng(join(framesRoot, 'vid/small.png'), gradient(5, 4));
    wrong.file_names[1] = 'vid/small.png';
    const err = caught(() => loadVideoFrames(framesRoot, wrong));
    expect(err.message).toMatch(/video 42 frame 1 is 5×4, but the annotation says 6×4/);
    expect(err.file).toBe(join(framesRoot, 'vid/small.png'));
    expect(err.index).toBe(1);
    expect(err.field).toBe('file_names[1]');
  });

  it('names a missing frame file', () => {
    const missing = { ...video, file_names: ['vid/0.jpg', 'vid/gone.jpg', 'vid/2.png'] };
    expect(caught(() => loadVideoFrame(framesRoot, missing, 1)).file).toBe(join(framesRoot, 'vid/gone.jpg'));
  });
});
