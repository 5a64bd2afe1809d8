/** A decoded image: `data` is row-major RGB, 3 bytes per pixel. */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}
