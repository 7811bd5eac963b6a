/** Tells open dashboards that new sales reached the warehouse. In-process; one per server. */
export class LiveFeed {
  readonly #listeners = new Set<(storeIds: readonly number[]) => void>();

  subscribe(listener: (storeIds: readonly number[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(storeIds: readonly number[]): void {
    for (const l of this.#listeners) l(storeIds);
  }

  get size(): number {
    return this.#listeners.size;
  }
}
