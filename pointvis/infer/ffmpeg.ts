/**
 * Frames of a video file through ffmpeg (`ffmpeg -i FILE -vsync 0 DIR/%05d.png`): every decoded
 * frame once, as numbered PNGs. ffmpeg is looked up on PATH; without it the error says how to
 * install it.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export class FfmpegMissingError extends Error {
  constructor(file: string) {
    super(
      `cannot read the video ${file}: ffmpeg is not installed (no "ffmpeg" on PATH). ` +
        'Install it (Debian/Ubuntu: `apt-get install ffmpeg`), or extract the frames yourself and pass --frames DIR.',
    );
    this.name = 'FfmpegMissingError';
  }
}

/** The first executable `name` in the PATH directories, or null. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export interface ExtractFramesOptions {
  /** The ffmpeg binary; default: `ffmpeg` looked up on PATH. */
  ffmpeg?: string;
}

/** Decodes `file` into `outDir`/00001.png, 00002.png, … (`outDir` must exist). */
export async function extractVideoFrames(
  file: string,
  outDir: string,
  options: ExtractFramesOptions = {},
): Promise<void> {
  if (!existsSync(file)) throw new Error(`cannot read the video ${file}: no such file`);
  const ffmpeg = options.ffmpeg ?? findExecutable('ffmpeg');
  if (ffmpeg === null) throw new FfmpegMissingError(file);
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-i',
    file,
    '-vsync',
    '0',
    join(outDir, '%05d.png'),
  ];
  const stderr: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    const tail = stderr.join('').trim().split('\n').slice(-5).join('\n');
    throw new Error(`ffmpeg could not decode ${file} (exit code ${code}):\n${tail}`);
  }
}
