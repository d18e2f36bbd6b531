/** The slice of workerd's built-in `cloudflare:workers` module the entry uses (no workers-types here). */
declare module "cloudflare:workers" {
  /** The worker's bindings, readable at isolate start (global scope), before any request. */
  export const env: Record<string, unknown>;
}
