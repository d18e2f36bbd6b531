/** Thrown when every slot is busy and the wait queue is full (maps to 429 + Retry-After). */
export class QueueFullError extends Error {
  override name = "QueueFullError";
}

/** Thrown to waiters and new callers once the pool is closed (server draining). */
export class PoolClosedError extends Error {
  override name = "PoolClosedError";
}

export interface SlotLease<T> {
  resource: T;
  /** Returns the slot; idempotent. */
  release(): void;
}

export interface SlotPoolStats {
  capacity: number;
  busy: number;
  waiting: number;
}

interface Waiter<T> {
  resolve(lease: SlotLease<T>): void;
  reject(error: unknown): void;
  cleanup(): void;
}

/**
 * A fixed set of slots (context sequences) with a bounded FIFO wait queue.
 * Waiting is cancellable with an AbortSignal, so a disconnected client leaves the queue at once.
 *
 * @example
 * const pool = new SlotPool(sequences, { queueSize: 16 });
 * const lease = await pool.acquire(request.signal); // QueueFullError when full
 * try { await generate(lease.resource); } finally { lease.release(); }
 */
export class SlotPool<T> {
  readonly #free: T[];
  readonly #waiters: Waiter<T>[] = [];
  readonly #capacity: number;
  readonly #queueSize: number;
  readonly #onChange: (stats: SlotPoolStats) => void;
  readonly #idleListeners: (() => void)[] = [];
  #closed = false;

  constructor(resources: T[], options: { queueSize: number; onChange?: (stats: SlotPoolStats) => void }) {
    this.#free = [...resources];
    this.#capacity = resources.length;
    this.#queueSize = options.queueSize;
    this.#onChange = options.onChange ?? (() => {});
    this.#onChange(this.stats);
  }

  get stats(): SlotPoolStats {
    return {
      capacity: this.#capacity,
      busy: this.#capacity - this.#free.length,
      waiting: this.#waiters.length,
    };
  }

  /** True when a new request could neither get a slot nor a place in the queue. */
  get saturated(): boolean {
    return this.#free.length === 0 && this.#waiters.length >= this.#queueSize;
  }

  acquire(signal?: AbortSignal): Promise<SlotLease<T>> {
    if (this.#closed) return Promise.reject(new PoolClosedError("server is shutting down"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const free = this.#free.pop();
    if (free !== undefined) {
      this.#onChange(this.stats);
      return Promise.resolve(this.#lease(free));
    }
    if (this.#waiters.length >= this.#queueSize) {
      return Promise.reject(
        new QueueFullError(`all ${this.#capacity} slots busy and ${this.#waiters.length} requests queued`),
      );
    }
    return new Promise<SlotLease<T>>((resolve, reject) => {
      const onAbort = () => {
        this.#remove(waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#onChange(this.stats);
    });
  }

  /** Rejects queued requests and refuses new ones; leases in use stay valid. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(new PoolClosedError("server is shutting down"));
    }
    this.#onChange(this.stats);
  }

  /** Resolves once no slot is in use. */
  idle(): Promise<void> {
    if (this.stats.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleListeners.push(resolve));
  }

  #remove(waiter: Waiter<T>): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
    waiter.cleanup();
    this.#onChange(this.stats);
  }

  #lease(resource: T): SlotLease<T> {
    let released = false;
    return {
      resource,
      release: () => {
        if (released) return;
        released = true;
        const next = this.#waiters.shift();
        if (next) {
          next.cleanup();
          next.resolve(this.#lease(resource));
        } else {
          this.#free.push(resource);
        }
        const stats = this.stats;
        this.#onChange(stats);
        if (stats.busy === 0) for (const listener of this.#idleListeners.splice(0)) listener();
      },
    };
  }
}
