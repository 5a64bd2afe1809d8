/**
 * What the page says about a failure: the kind (so the banner can say what to do) and the
 * error's own message, which already names the file, field or kernel involved.
 */
import {
  DeviceLostError,
  GpuOutOfMemoryError,
  NoAdapterError,
  SafetensorsError,
} from '../../../engine/index.js';
import { ConfigError } from '../../../model/config/index.js';
import { StateDictError } from '../../../model/nn/state-dict.js';
import { PointvisDataError } from '../../../pointvis/errors.js';

export type ErrorKind = 'no-webgpu' | 'file-format' | 'gpu-memory' | 'device-lost' | 'other';

export interface PageError {
  kind: ErrorKind;
  /** One line: what went wrong, in words. */
  title: string;
  /** The error's message. */
  detail: string;
}

/** True when a WebGPU error message speaks of memory (a browser may raise it without our error type). */
const mentionsMemory = (text: string) => /out of memory|OOM|allocation failed/i.test(text);

export function describeError(err: unknown, doing: string): PageError {
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof NoAdapterError) {
    return { kind: 'no-webgpu', title: 'WebGPU is not available in this browser', detail };
  }
  if (err instanceof GpuOutOfMemoryError || mentionsMemory(detail)) {
    return {
      kind: 'gpu-memory',
      title: `Out of GPU memory while ${doing}: try fewer or smaller frames, or a smaller model`,
      detail,
    };
  }
  if (err instanceof DeviceLostError) {
    return { kind: 'device-lost', title: 'The GPU device was lost: reload the page', detail };
  }
  if (
    err instanceof PointvisDataError ||
    err instanceof ConfigError ||
    err instanceof SafetensorsError ||
    err instanceof StateDictError
  ) {
    return { kind: 'file-format', title: `Wrong file format while ${doing}`, detail };
  }
  return { kind: 'other', title: `Failed while ${doing}`, detail };
}
