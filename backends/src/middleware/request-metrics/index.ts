import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { type AppEnv, observationOf } from "../../app-env.js";
import { type BackendMetrics, endpointLabel, statusClass } from "../../telemetry/metrics.js";

export interface RequestMetricsOptions {
  metrics: BackendMetrics;
}

/**
 * Records request duration, TTFT, token counts, tokens/s and errors once the response is
 * complete. Labels are bounded: endpoint pattern (unknown paths fold into "unmatched"),
 * status class and error kind.
 *
 * @example app.use(requestMetrics({ metrics: createBackendMetrics("stories260k") }));
 */
export function requestMetrics(options: RequestMetricsOptions): MiddlewareHandler<AppEnv> {
  const { metrics } = options;
  return async (c, next) => {
    const stopTimer = metrics.requestDuration.startTimer();
    await next();
    const endpoint = endpointLabel(routePath(c, -1));
    const status = c.res.status;
    const observation = observationOf(c);
    void observation.settled.finally(() => {
      stopTimer({ endpoint, status_class: statusClass(status) });
      if (observation.errorKind) metrics.errors.inc({ endpoint, kind: observation.errorKind });
      if (observation.ttftMs !== undefined)
        metrics.timeToFirstToken.observe({ endpoint }, observation.ttftMs / 1000);
      if (observation.promptTokens) metrics.promptTokens.inc({ endpoint }, observation.promptTokens);
      if (observation.completionTokens)
        metrics.generatedTokens.inc({ endpoint }, observation.completionTokens);
      if (observation.tokensPerSecond !== undefined)
        metrics.tokensPerSecond.observe({ endpoint }, observation.tokensPerSecond);
    });
  };
}
