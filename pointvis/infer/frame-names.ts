/** Browser-safe: which files of a folder are frames and in what order (frame-folder.ts lists them in Node). */

/** File names that are frames: JPEG and PNG. */
export const FRAME_EXTENSIONS = /\.(jpe?g|png)$/i;

/** Natural order: "frame2" before "frame10", as frame numbers are usually meant. */
export const byFrameName = (a: string, b: string) =>
  a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' }) || (a < b ? -1 : a > b ? 1 : 0);
