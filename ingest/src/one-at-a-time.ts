/** Runs calls one after another: each starts when the one before has settled; a failure does not stop the next. */
export class OneAtATime {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
