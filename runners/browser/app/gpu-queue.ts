/**
 * One GPU job at a time. The engine keeps one scope stack and one command stream, so two async
 * jobs (an inference and a matcher run) must not interleave their awaits.
 */
export class GpuQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
