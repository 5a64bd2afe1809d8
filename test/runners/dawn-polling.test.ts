import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { dawnPollingInterval, throttleDawnPolling } from '../../runners/node/dawn-polling.js';

describe('Dawn event-polling throttle (Node, CPU adapters)', () => {
  it('delays Dawn-like native callbacks by the interval; JS callbacks and resolvers stay immediate', async () => {
    throttleDawnPolling(30);
    const interval = dawnPollingInterval();
    expect(interval).not.toBeNull();
    const js = vi.fn();
    const nativeTarget = vi.fn();
    // Like the callback Dawn's binding passes: native code, anonymous, no parameters.
    const native = Object.defineProperties(nativeTarget.bind(null), {
      name: { value: '' },
      length: { value: 0 },
    });
    setImmediate(native);
    setImmediate(js);
    await new Promise((resolve) => setImmediate(resolve));
    expect(js).toHaveBeenCalledTimes(1);
    expect(nativeTarget).not.toHaveBeenCalled();
    await new Promise((resolve) => setTimeout(resolve, interval! + 30));
    expect(nativeTarget).toHaveBeenCalledTimes(1);
  });

  it('keeps setImmediate promisifiable and is installed once', async () => {
    throttleDawnPolling(30);
    throttleDawnPolling(5);
    expect(dawnPollingInterval()).toBe(30);
    await expect(promisify(setImmediate)('value')).resolves.toBe('value');
  });
});
