export type BreakerState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe is let through (half-open). */
  cooldownMs: number;
  now?: () => number;
}

/**
 * Per-backend circuit breaker: closed -> (N consecutive failures) -> open -> (cooldown) ->
 * half-open, which admits exactly one probe: success closes, failure re-opens.
 *
 * State is per isolate (Workers isolates share no memory): each isolate learns a dead backend
 * on its own after N failures. That is a local optimisation; a global view would need Redis or
 * a Durable Object.
 *
 * @example
 * if (!breaker.tryAcquire()) skipToNextModel();
 * ok ? breaker.onSuccess() : breaker.onFailure();
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private current: BreakerState = "closed";
  private readonly now: () => number;

  constructor(private readonly opts: CircuitBreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.current === "open" && this.now() - this.openedAt >= this.opts.cooldownMs) {
      this.current = "half-open";
      this.probeInFlight = false;
    }
    return this.current;
  }

  /** Milliseconds until an open circuit lets a probe through (0 unless open). */
  get retryInMs(): number {
    return this.state === "open" ? Math.max(0, this.opts.cooldownMs - (this.now() - this.openedAt)) : 0;
  }

  /** Whether a request may go to this backend now; in half-open, claims the single probe. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "half-open" && !this.probeInFlight) {
      this.probeInFlight = true;
      return true;
    }
    return false;
  }

  onSuccess(): void {
    this.failures = 0;
    this.probeInFlight = false;
    this.current = "closed";
  }

  onFailure(): void {
    this.failures += 1;
    this.probeInFlight = false;
    if (this.current === "half-open" || this.failures >= this.opts.failureThreshold) {
      this.current = "open";
      this.openedAt = this.now();
    }
  }

  /** Gives back a claimed probe without an outcome (e.g. the client went away). */
  release(): void {
    this.probeInFlight = false;
  }
}
