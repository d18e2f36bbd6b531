import type { z } from "zod";

/** One problem with the edge's configuration: which variable, and why. */
export interface ConfigIssue {
  /** The environment variable (or binding) at fault, e.g. "SWITCHYARD_RETRIES". */
  variable: string;
  /** What is wrong with it, for the operator; never the value itself (it may be a secret). */
  reason: string;
}

/**
 * The one error for a bad configuration. Everything that reads configuration (env variables
 * now, run-time model config later) throws this with every problem it found, so that `npm start`
 * refuses to start naming the variables and the worker answers a JSON 503 naming them.
 *
 * @example
 * throw new EdgeConfigError([{ variable: "SWITCHYARD_BACKENDS", reason: "names no model" }]);
 */
export class EdgeConfigError extends Error {
  override name = "EdgeConfigError";
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(`Invalid edge configuration: ${issues.map((i) => `${i.variable}: ${i.reason}`).join("; ")}`);
    this.issues = issues;
  }

  /** The offending variables, each once, in the order found. */
  get variables(): string[] {
    return [...new Set(this.issues.map((i) => i.variable))];
  }
}

/** The issues of a failed zod parse of the environment, one per offending variable. */
export function issuesFromZod(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? "environment"),
    // Where inside a JSON variable (e.g. "my-model.backends"), so the operator finds the entry.
    reason: issue.path.length > 1 ? `${issue.path.slice(1).join(".")}: ${issue.message}` : issue.message,
  }));
}

/**
 * Collects configuration problems and throws them together, so one run reports all of them.
 *
 * @example
 * const problems = configProblems();
 * if (!secret) problems.add("SWITCHYARD_DEV_TOKENS", "needs SWITCHYARD_JWT_SECRET");
 * problems.throwIfAny();
 */
export function configProblems() {
  const issues: ConfigIssue[] = [];
  return {
    issues,
    add(variable: string, reason: string) {
      issues.push({ variable, reason });
    },
    throwIfAny() {
      if (issues.length > 0) throw new EdgeConfigError(issues);
    },
  };
}
