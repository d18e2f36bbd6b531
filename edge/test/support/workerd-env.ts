/// <reference types="@cloudflare/vitest-pool-workers/types" />
import { env } from "cloudflare:test";

/**
 * Real-service addresses as seen inside workerd (bindings set by vitest.state-workers.config.ts).
 * Like `realServiceEnv`: with CI=true a missing one fails the file; locally the tests skip loudly.
 */
export function workerdServiceEnv<const K extends string>(
  names: readonly K[],
  what: string,
): Record<K, string> | undefined {
  const bindings = env as unknown as Record<string, string | undefined>;
  const missing = names.filter((name) => !bindings[name]);
  if (missing.length === 0)
    return Object.fromEntries(names.map((n) => [n, bindings[n] as string])) as Record<K, string>;
  const message = `${what}: missing ${missing.join(", ")}; run \`bash infra/local/services.sh start && source infra/local/services.env\``;
  if (bindings.CI === "true" || bindings.CI === "1") throw new Error(`${message} (required when CI=true)`);
  console.warn(`\n!!! SKIPPING ${message}\n`);
  return undefined;
}
