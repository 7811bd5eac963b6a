import type { ScenarioOutcome } from './bench-result.js';

export interface ScenarioOptions {
  /** Fewer, shorter steps: a smoke run, not a measurement to publish. */
  readonly quick: boolean;
  /** `--minutes N`: how long a duration-bound scenario (the fault suite's soak) runs; each has its default. */
  readonly minutes?: number;
  /** `--lines N`: how many sale lines a warehouse scenario (dashboards) loads; each has its default. */
  readonly lines?: number;
  /** Progress for humans (stderr), never on stdout where the JSON line goes. */
  readonly log: (message: string) => void;
}

/** A bench scenario: runs, cleans up after itself (also on failure), and reports one result. */
export type Scenario = (options: ScenarioOptions) => Promise<ScenarioOutcome>;
