import type { ProxyConfig } from "../config";
import {
  type AttemptFailed,
  type AttemptOutcome,
  type AttemptStarted,
  ClientGone,
  startAttempt,
} from "./attempt";
import { backoffDelayMs, sleep } from "./backoff";
import type { ReplicaLease, ReplicaPool } from "./replicas";

export interface DispatchOptions {
  /** Models to try, in order: the routed model, then its fallbacks. */
  candidates: string[];
  config: ProxyConfig;
  /** The backends of a model (undefined: not served here, skipped). */
  replicasFor: (modelId: string) => ReplicaPool | undefined;
  /** A model's context length in tokens (null: unknown), for `context_length_exceeded`. */
  contextLengthOf?: (modelId: string) => number | null;
  /** Backend URLs not to use (a continuation avoids the replica whose stream broke). */
  avoidUrls?: ReadonlySet<string>;
  /** Backend API path. Default: /v1/chat/completions. */
  path?: string;
  /** The upstream request body minus `model` (set per candidate). */
  body: Record<string, unknown>;
  signal?: AbortSignal | undefined;
  onAttempt?: (modelId: string, outcome: string) => void;
  /** A hedged attempt ended: it produced the first token first, lost to the other, or failed. */
  onHedge?: (modelId: string, outcome: "won" | "lost" | "failed") => void;
  onMalformed?: (modelId: string) => void;
  /** Time to first token of the attempt that answered (feeds the hedge delay). */
  onFirstToken?: (modelId: string, ms: number) => void;
  /**
   * How long to wait for an attempt's first token before also sending the request to the next
   * candidate (a hedge); null: no hedge for that model.
   */
  hedgeDelayMs?: (modelId: string) => number | null;
  /** For continuations: a backend refusing the request moves on instead of ending the dispatch. */
  rejectionMovesOn?: boolean;
  fetch?: typeof fetch;
  /** Sent with every attempt (trace context, request id). */
  headers?: Record<string, string> | undefined;
}

interface Trail {
  /** Upstream requests sent, in total. */
  attempts: number;
  /** Models that failed (or lost a hedge) before the answering one, in order. */
  fallbackFrom: string[];
}

/** How the reply from the answering backend ended, for its circuit breaker. */
export type Settlement = "ok" | "error" | "aborted";

export type DispatchStarted = Trail & {
  kind: "started";
  modelId: string;
  /** The replica that answered. */
  url: string;
  started: AttemptStarted;
  /** Call once when the reply is over: the backend is judged on the whole stream, not just its start. */
  settle: (outcome: Settlement) => void;
};

export type DispatchResult =
  | DispatchStarted
  | (Trail & {
      kind: "rejected";
      modelId: string;
      status: 400 | 413 | 422;
      code: string;
      message: string;
      param: string | null;
    })
  | (Trail & { kind: "unavailable"; retryAfterSeconds: number; lastFailure: AttemptFailed | null });

interface Run {
  modelId: string;
  lease: ReplicaLease;
  cancel: AbortController;
  startedAt: number;
  /** Sent as a hedge (while another attempt waited for its first token). */
  hedge: boolean;
  /** A hedge was already considered for this attempt. */
  hedged: boolean;
  done: Promise<{ run: Run; outcome?: AttemptOutcome; error?: unknown }>;
}

interface CandidateState {
  id: string;
  replicas: ReplicaPool;
  tries: number;
  done: boolean;
  notBefore: number;
}

const settleLease = (lease: ReplicaLease) => (outcome: Settlement) => {
  if (outcome === "ok") lease.onSuccess();
  else if (outcome === "error") lease.onFailure();
  else lease.release();
};

/**
 * Tries candidates in order until one produces a first token. Per model: pick its least busy
 * replica whose breaker admits a request (skip the model when none does), retry retryable failures with jittered exponential backoff honouring Retry-After (a
 * Retry-After longer than `retryMaxMs` moves on instead of waiting), then fall back to the next.
 * Hedging: when an attempt has no first token after `hedgeDelayMs`, the next candidate is sent
 * the same request; the first to produce a token wins and the other is cancelled at once. Never
 * more than two attempts in flight (a Worker may hold only 6 outgoing connections per request).
 * A `context_length_exceeded` refusal moves on to the next candidate with a larger context,
 * never to one with the same or a smaller one; without such a candidate the refusal stands.
 *
 * @example
 * const result = await dispatch({ candidates: [d.modelId, ...d.fallbacks], config, replicasFor, body });
 */
export async function dispatch(opts: DispatchOptions): Promise<DispatchResult> {
  const { config } = opts;
  const trail: Trail = { attempts: 0, fallbackFrom: [] };
  const states: CandidateState[] = [];
  for (const id of opts.candidates) {
    const replicas = opts.replicasFor(id);
    if (replicas && !states.some((s) => s.id === id))
      states.push({ id, replicas, tries: 0, done: false, notBefore: 0 });
  }
  const contextOf = (id: string) => opts.contextLengthOf?.(id) ?? null;
  const running = new Set<Run>();
  let lastFailure = null as AttemptFailed | null;
  let rejection = null as Extract<DispatchResult, { kind: "rejected" }> | null;
  let soonestRetryMs = Number.POSITIVE_INFINITY;

  const busy = (modelId: string) => [...running].some((r) => r.modelId === modelId);
  const retire = (state: CandidateState) => {
    if (state.done) return;
    state.done = true;
    trail.fallbackFrom.push(state.id);
  };

  /** The next candidate to send to (a replica leased), or null when none is left. */
  const pick = async (forHedge: boolean): Promise<{ state: CandidateState; lease: ReplicaLease } | null> => {
    const passed = new Set<CandidateState>();
    for (;;) {
      // A hedge may go to another replica of the model already tried, never to the same one.
      const avoid = new Set([...(opts.avoidUrls ?? []), ...[...running].map((r) => r.lease.url)]);
      const now = Date.now();
      const state = states.find(
        (s) =>
          !s.done &&
          !passed.has(s) &&
          (!forHedge || s.notBefore <= now) &&
          s.replicas.urls.some((u) => !avoid.has(u)),
      );
      if (!state) return null;
      if (state.notBefore > now) {
        try {
          await sleep(state.notBefore - now, opts.signal);
        } catch {
          throw new ClientGone("client disconnected");
        }
      }
      // Each attempt picks again: a retry goes to another replica when one is less busy.
      const lease = state.replicas.acquire(avoid);
      if (lease) return { state, lease };
      if (busy(state.id)) {
        passed.add(state); // its other replicas are closed for now; the running attempt goes on
        continue;
      }
      opts.onAttempt?.(state.id, "breaker_open");
      soonestRetryMs = Math.min(soonestRetryMs, state.replicas.retryInMs);
      retire(state);
    }
  };

  const launch = (state: CandidateState, lease: ReplicaLease, hedge: boolean) => {
    trail.attempts += 1;
    state.tries += 1;
    const cancel = new AbortController();
    const run = {
      modelId: state.id,
      lease,
      cancel,
      startedAt: Date.now(),
      hedge,
      hedged: false,
    } as Run;
    run.done = startAttempt({
      url: `${lease.url}${opts.path ?? "/v1/chat/completions"}`,
      body: { ...opts.body, model: state.id },
      backendApiKey: config.backendApiKey,
      ttftBudgetMs: config.ttftBudgetMs,
      signal: opts.signal,
      cancel: cancel.signal,
      onMalformed: () => opts.onMalformed?.(state.id),
      fetch: opts.fetch,
      headers: opts.headers,
    }).then(
      (outcome) => ({ run, outcome }),
      (error: unknown) => ({ run, error }),
    );
    running.add(run);
  };

  /** Cancels an attempt nobody waits for any more; a stream it may still start is closed too. */
  const abandon = (run: Run) => {
    running.delete(run);
    run.cancel.abort();
    void run.done.then(({ outcome }) => {
      if (outcome?.kind === "started") outcome.stream.cancel("lost the hedge");
      run.lease.release();
    });
  };

  const stateOf = (run: Run) => states.find((s) => s.id === run.modelId) as CandidateState;

  /** Takes one attempt's outcome; returns the dispatch's result when it is decided. */
  const handle = (run: Run, outcome: AttemptOutcome | undefined, error: unknown): DispatchResult | null => {
    running.delete(run);
    const state = stateOf(run);
    if (!outcome) {
      run.lease.release();
      throw error;
    }
    opts.onAttempt?.(run.modelId, outcome.kind === "failed" ? outcome.code : outcome.kind);
    if (outcome.kind === "started") {
      if (run.hedge) opts.onHedge?.(run.modelId, "won");
      for (const other of [...running]) {
        opts.onAttempt?.(other.modelId, "cancelled");
        if (other.hedge) opts.onHedge?.(other.modelId, "lost");
        abandon(other);
        if (other.modelId !== run.modelId) retire(stateOf(other));
      }
      opts.onFirstToken?.(run.modelId, outcome.ttftMs);
      return {
        ...trail,
        kind: "started",
        modelId: run.modelId,
        url: run.lease.url,
        started: outcome,
        settle: settleLease(run.lease),
      };
    }
    if (run.hedge) opts.onHedge?.(run.modelId, "failed");
    if (outcome.kind === "rejected") {
      // The backend works; the request is the problem: never resent unchanged to it.
      run.lease.onSuccess();
      rejection = { ...trail, ...outcome, modelId: run.modelId };
      retire(state);
      if (outcome.code === "context_length_exceeded") {
        // Only a model known to take longer prompts may see it; unknown lengths count as no larger.
        const limit = contextOf(state.id);
        for (const s of states) {
          const length = contextOf(s.id);
          if (limit === null || length === null || length <= limit) retire(s);
        }
        return null;
      }
      return opts.rejectionMovesOn ? null : { ...rejection, ...trail };
    }
    lastFailure = outcome;
    rejection = null;
    if (outcome.breakerFailure) run.lease.onFailure();
    else run.lease.release();
    if (outcome.retryAfterMs !== null) soonestRetryMs = Math.min(soonestRetryMs, outcome.retryAfterMs);
    const tooLong = outcome.retryAfterMs !== null && outcome.retryAfterMs > config.retryMaxMs;
    if (!outcome.retryable || state.tries > config.retries || tooLong) {
      // Another replica of the model may still be answering: it is retired once that one fails.
      if (!busy(state.id)) retire(state);
      return null;
    }
    state.notBefore =
      Date.now() +
      backoffDelayMs(state.tries - 1, {
        baseMs: config.retryBaseMs,
        maxMs: config.retryMaxMs,
        retryAfterMs: outcome.retryAfterMs,
      });
    return null;
  };

  try {
    for (;;) {
      if (running.size === 0) {
        const next = await pick(false);
        if (!next) break;
        launch(next.state, next.lease, false);
      }
      const only = running.size === 1 ? ([...running][0] as Run) : null;
      const delay = only && !only.hedged ? (opts.hedgeDelayMs?.(only.modelId) ?? null) : null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hedgeDue =
        only && delay !== null
          ? new Promise<"hedge">((resolve) => {
              timer = setTimeout(() => resolve("hedge"), Math.max(0, delay - (Date.now() - only.startedAt)));
            })
          : null;
      const settled = await Promise.race([
        ...[...running].map((r) => r.done),
        ...(hedgeDue ? [hedgeDue] : []),
      ]);
      clearTimeout(timer);
      if (settled === "hedge") {
        (only as Run).hedged = true;
        const next = await pick(true);
        if (next) launch(next.state, next.lease, true);
        continue;
      }
      const result = handle(settled.run, settled.outcome, settled.error);
      if (result) return result;
    }
  } finally {
    for (const run of [...running]) abandon(run);
  }

  if (rejection) return { ...rejection, ...trail };
  const retryAfterSeconds = Number.isFinite(soonestRetryMs)
    ? Math.max(1, Math.ceil(soonestRetryMs / 1000))
    : 1;
  return { ...trail, kind: "unavailable", retryAfterSeconds, lastFailure };
}
