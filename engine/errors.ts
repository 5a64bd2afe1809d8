/** Errors raised by the engine. Each names the kernel (and shapes) involved where known. */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/** No WebGPU adapter could be found; the message says what to install. */
export class NoAdapterError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'NoAdapterError';
  }
}

export class GpuValidationError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'GpuValidationError';
  }
}

export class GpuOutOfMemoryError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'GpuOutOfMemoryError';
  }
}

export class DeviceLostError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceLostError';
  }
}

export class ShapeError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}
