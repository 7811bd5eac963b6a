/** What a job's run receives: the occurrence it stands for and the time source to use. */
export interface JobContext {
  /** The scheduled minute this run stands for (the catch-up run of a missed one has its time). */
  readonly scheduledFor: Date;
  readonly now: () => Date;
  readonly log: (message: string, detail?: Record<string, unknown>) => void;
}

/** A scheduled job: a name, a cron expression in the store's time zone, and what to do. */
export interface Job {
  readonly name: string;
  readonly description: string;
  /** Five-field cron expression (see cron-expression.ts). */
  readonly schedule: string;
  /** Returns a small JSON-able summary recorded with the run. */
  run(ctx: JobContext): Promise<Record<string, unknown>>;
}
