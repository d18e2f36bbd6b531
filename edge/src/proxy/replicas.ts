import { type BreakerState, CircuitBreaker, type CircuitBreakerOptions } from "./breaker";

/** One request's hold on a replica: report exactly one outcome, which also frees its slot. */
export interface ReplicaLease {
  url: string;
  onSuccess(): void;
  onFailure(): void;
  /** No verdict on the backend (client gone, request refused before any work). */
  release(): void;
}

interface Replica {
  url: string;
  breaker: CircuitBreaker;
  outstanding: number;
}

/**
 * The backends of one model. `acquire` picks the replica with the fewest outstanding requests
 * among those whose circuit admits a request (ties rotate), so load spreads and a dead replica
 * is skipped until its breaker lets a probe through. Per isolate, like the breakers.
 *
 * @example
 * const lease = pool.acquire();
 * if (lease) { const res = await fetch(`${lease.url}/v1/chat/completions`, ...); ok ? lease.onSuccess() : lease.onFailure(); }
 */
export class ReplicaPool {
  readonly #replicas: Replica[];
  #turn = 0;

  constructor(urls: readonly string[], breaker: CircuitBreakerOptions) {
    this.#replicas = urls.map((url) => ({ url, breaker: new CircuitBreaker(breaker), outstanding: 0 }));
  }

  /** The model's circuit: closed while any replica is closed, open only when all are open. */
  get state(): BreakerState {
    const states = this.#replicas.map((r) => r.breaker.state);
    if (states.includes("closed")) return "closed";
    return states.includes("half-open") ? "half-open" : "open";
  }

  /** Milliseconds until some open replica lets a probe through (0 when one admits now). */
  get retryInMs(): number {
    return Math.min(...this.#replicas.map((r) => r.breaker.retryInMs));
  }

  /** Outstanding requests per replica URL (for tests and diagnostics). */
  get outstanding(): Record<string, number> {
    return Object.fromEntries(this.#replicas.map((r) => [r.url, r.outstanding]));
  }

  /** The replicas' base URLs. */
  get urls(): string[] {
    return this.#replicas.map((r) => r.url);
  }

  /** @param avoid replica URLs not to pick (a continuation avoids the one whose stream broke). */
  acquire(avoid?: ReadonlySet<string>): ReplicaLease | null {
    const n = this.#replicas.length;
    const start = this.#turn++ % n;
    const order = Array.from({ length: n }, (_, i) => this.#replicas[(start + i) % n] as Replica)
      .filter((r) => !avoid?.has(r.url))
      .sort((a, b) => a.outstanding - b.outstanding);
    // tryAcquire claims a half-open probe, so only the replica actually chosen is asked.
    const chosen = order.find((r) => r.breaker.state !== "open" && r.breaker.tryAcquire());
    if (!chosen) return null;
    chosen.outstanding += 1;
    let settled = false;
    const settle = (verdict: (b: CircuitBreaker) => void) => () => {
      if (settled) return;
      settled = true;
      chosen.outstanding -= 1;
      verdict(chosen.breaker);
    };
    return {
      url: chosen.url,
      onSuccess: settle((b) => b.onSuccess()),
      onFailure: settle((b) => b.onFailure()),
      release: settle((b) => b.release()),
    };
  }
}
