import type { Job } from '../job.js';

/** Every few minutes: send queued mail (reports wait here while the SMTP server is unreachable). */
export function mailDeliveryJob(deliver: (now: Date) => Promise<{ sent: number; failed: number; waiting: number }>, schedule = '*/5 * * * *'): Job {
  return {
    name: 'mail-delivery',
    description: 'Send queued mail; retry what the SMTP server refused',
    schedule,
    async run(ctx) {
      const r = await deliver(ctx.now());
      if (r.failed > 0) throw new Error(`SMTP refused or unreachable; ${r.waiting} mail(s) wait for the next attempt`);
      return { ...r };
    },
  };
}
