import type { ScenarioOutcome } from './bench-result.js';

export interface ScenarioOptions {
  /** Fewer, shorter steps: a smoke run, not a measurement to publish. */
  readonly quick: boolean;
  /** Progress for humans (stderr), never on stdout where the JSON line goes. */
  readonly log: (message: string) => void;
}

/** A bench scenario: runs, cleans up after itself (also on failure), and reports one result. */
export type Scenario = (options: ScenarioOptions) => Promise<ScenarioOutcome>;
