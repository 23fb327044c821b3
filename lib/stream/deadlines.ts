/**
 * The one timer of a subscription, serving every time limit: the header
 * timeout, the idle timeout, the wait between retries and the drain after
 * `message-end`. A chunk only bumps `chunks` (no clock read and no timer per
 * chunk); a silence watch looks at it every quarter of its limit.
 */
export class Deadlines {
  /** Bumped by the reader for every chunk that arrives. */
  chunks = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly isOver: () => boolean;

  /** @param isOver Whether the subscription has ended: no timer is armed after that. */
  constructor(isOver: () => boolean) {
    this.isOver = isOver;
  }

  /** (Re)arms the timer; never once the subscription is over (teardown may come first). */
  set(fn: () => void, ms: number): void {
    this.clear();
    if (!this.isOver()) this.timer = setTimeout(fn, ms);
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves after `ms`, unless the subscription ends first (then never). */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => this.set(resolve, ms));
  }

  /**
   * Calls `onTimeout` once no chunk has arrived for `limitMs`. Checked every
   * quarter of the limit, it fires after between 1 and 1.25 times the limit
   * of silence, never sooner. `0` or `Infinity` watches nothing.
   */
  watchSilence(limitMs: number, onTimeout: () => void): void {
    this.clear();
    if (!(limitMs > 0 && limitMs < Infinity)) return;
    const quarter = limitMs / 4;
    let seen = this.chunks;
    let quietQuarters = 0;
    const check = (): void => {
      if (this.chunks !== seen) {
        seen = this.chunks;
        quietQuarters = 0;
      } else if (++quietQuarters >= 4) {
        onTimeout();
        return;
      }
      this.set(check, quarter);
    };
    this.set(check, quarter);
  }
}
