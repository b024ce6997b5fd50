/**
 * Runs the lifecycle's periodic tasks (expiry scan, dispatch, webhook deliveries) on timers, each at most once at a
 * time. A task that fails is logged and tried again on its next tick: a database outage delays events, never loses
 * them (they wait in the outbox) and never crashes the process.
 */
export interface PeriodicTask {
  name: string;
  intervalMs: number;
  run(): Promise<unknown>;
}

export class PeriodicRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly tasks: readonly PeriodicTask[],
    private readonly onError: (task: string, error: unknown) => void,
  ) {}

  start(): void {
    if (this.timers.length > 0) return;
    for (const task of this.tasks) {
      let busy = false;
      const tick = () => {
        if (busy) return;
        busy = true;
        const run = task
          .run()
          .catch((error) => this.onError(task.name, error))
          .finally(() => {
            busy = false;
            this.running.delete(run);
          });
        this.running.add(run);
      };
      const timer = setInterval(tick, task.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Stops the timers and waits for the runs in progress (before the store closes). */
  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.allSettled([...this.running]);
  }
}
