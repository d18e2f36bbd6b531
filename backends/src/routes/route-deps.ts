import type { RequestLimits } from "../api/schemas.js";
import type { ModelRuntime } from "../engine/model-runtime.js";
import type { BackendMetrics } from "../telemetry/metrics.js";

/** What the routes need from the server. */
export interface RouteDeps {
  runtime: ModelRuntime;
  metrics: BackendMetrics;
  limits: RequestLimits;
  hashPrompt: (text: string) => Promise<string>;
}
