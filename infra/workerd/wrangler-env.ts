/**
 * Environment for every wrangler invocation in this repository (npm scripts, the build, tests,
 * the bench): no telemetry, no error reports, no update check against the npm registry (it runs
 * when the banner prints), no download of the `request.cf` data from workers.cloudflare.com.
 * Nothing reaches the network at start.
 *
 * @example
 * spawn(wranglerBin, ["dev"], { env: { ...process.env, ...WRANGLER_QUIET_ENV } });
 */
export const WRANGLER_QUIET_ENV: Readonly<Record<string, string>> = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};
