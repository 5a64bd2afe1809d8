/**
 * Dawn's Node binding waits for GPU work (mapAsync, onSubmittedWorkDone, popErrorScope) by
 * re-arming `setImmediate` and polling its event queue on every turn of the event loop for as
 * long as anything is pending (its own TODO: crbug.com/dawn/1127). On a CPU adapter that spin
 * takes a whole core from the driver's worker threads that run the shaders: on the 2-core
 * machine a cpu-tiny training iteration went from 1047 to 677 ms when the polls were spaced by
 * 1 ms instead (perf: 16% of all samples were in dawn::native::EventManager::ProcessPollEvents).
 *
 * `throttleDawnPolling(ms)` spaces them: Dawn looks up the global `setImmediate` each time it
 * schedules a poll and passes an anonymous native function of no parameters, so a wrapper turns
 * exactly such callbacks into `setTimeout(fn, ms)` and leaves every other caller's setImmediate
 * as it was (a Promise's resolve is native too, but takes one parameter; bound functions are
 * named "bound …"). Only Node uses
 * it, and only for CPU adapters: on a GPU the spin costs an idle core, while 1 ms per wait would
 * add latency to every readback.
 */
const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

let installed: number | null = null;

/** What Dawn's binding schedules: a native function, anonymous, of no parameters. */
function isDawnPollCallback(fn: unknown): boolean {
  return (
    typeof fn === 'function' &&
    fn.length === 0 &&
    fn.name === '' &&
    NATIVE.test(Function.prototype.toString.call(fn))
  );
}

/** Spaces Dawn's event polls by `ms` milliseconds (idempotent; 0 leaves Dawn's spin alone). */
export function throttleDawnPolling(ms: number): void {
  if (ms <= 0 || installed !== null) return;
  installed = ms;
  const original = globalThis.setImmediate;
  const wrapper = function setImmediate(callback: (...args: unknown[]) => void, ...args: unknown[]) {
    if (isDawnPollCallback(callback)) return setTimeout(callback, ms, ...args) as unknown as NodeJS.Immediate;
    return original(callback, ...args);
  };
  // Keeps util.promisify.custom and the like.
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    Object.defineProperty(wrapper, key, Object.getOwnPropertyDescriptor(original, key)!);
  }
  globalThis.setImmediate = wrapper as typeof globalThis.setImmediate;
}

/** The poll spacing in force (null: Dawn's own spin). */
export function dawnPollingInterval(): number | null {
  return installed;
}

/** POINTVIS_DAWN_POLL_MS: the spacing on CPU adapters (default 1; 0 keeps Dawn's spin). */
export function dawnPollMsFromEnv(): number {
  const text = process.env.POINTVIS_DAWN_POLL_MS;
  if (text === undefined || text === '') return 1;
  const ms = Number(text);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new Error(`POINTVIS_DAWN_POLL_MS=${text}: expected a number of milliseconds ≥ 0`);
  }
  return ms;
}
