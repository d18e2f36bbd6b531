import type { Context } from "hono";
import { SWITCHYARD_HEADERS } from "../http/context";
import { ApiError } from "../http/errors";

/**
 * The client's own quality/cost trade-off for `auto` (`x-switchyard-max-quality-loss`), if it
 * sent one: quality (mean score in [0, 1]) it accepts to give up versus the best single model.
 *
 * @example requestedQualityLoss(c) // 0.02 for "x-switchyard-max-quality-loss: 0.02", else undefined
 */
export function requestedQualityLoss(c: Context): number | undefined {
  const name = SWITCHYARD_HEADERS.maxQualityLoss;
  const raw = c.req.header(name)?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new ApiError(
      400,
      "invalid_header",
      `${name} must be a number between 0 and 1, got "${raw.slice(0, 40)}"`,
      {
        param: name,
      },
    );
  return value;
}
