/**
 * Runs an async task so that at most one run is in flight and at most one more is queued:
 * a burst of `request()` calls while a run is going yields exactly one follow-up run.
 */
export class CoalescedTask {
  #running = false;
  #queued = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  request(): void {
    if (this.#running) {
      this.#queued = true;
      return;
    }
    void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      do {
        this.#queued = false;
        try {
          await this.task();
        } catch (err) {
          this.onError(err);
        }
      } while (this.#queued);
    } finally {
      this.#running = false;
    }
  }
}
