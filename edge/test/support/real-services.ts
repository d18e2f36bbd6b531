/**
 * Environment of the real local services (see infra/local/services.sh, which writes
 * infra/local/services.env). Real-server tests call `realServiceEnv` at module load:
 * with CI=true a missing variable FAILS the test file; locally the tests are skipped loudly.
 *
 * @example
 * const env = realServiceEnv(["REDIS_URL"], "bridge tests");
 * describe.skipIf(!env)("bridge", () => { ... env!.REDIS_URL ... });
 */
export function realServiceEnv<const K extends string>(
  names: readonly K[],
  what: string,
): Record<K, string> | undefined {
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length === 0) {
    return Object.fromEntries(names.map((name) => [name, process.env[name] as string])) as Record<K, string>;
  }
  const message = `${what}: missing ${missing.join(", ")}; run \`bash infra/local/services.sh start && source infra/local/services.env\``;
  if (process.env.CI === "true" || process.env.CI === "1")
    throw new Error(`${message} (required when CI=true)`);
  console.warn(`\n!!! SKIPPING ${message}\n`);
  return undefined;
}
