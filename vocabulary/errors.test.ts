import { describe, expect, it } from "vitest";
import { ERROR_KINDS, errorBody, errorKindOr, isErrorKind } from "./errors";

describe("ERROR_KINDS", () => {
  it("gives every kind an HTTP error status and an OpenAI-style type", () => {
    for (const [kind, { status, type }] of Object.entries(ERROR_KINDS)) {
      expect(status, kind).toBeGreaterThanOrEqual(400);
      expect(status, kind).toBeLessThan(600);
      expect(type, kind).toMatch(/_error$/);
    }
  });

  it("builds the body clients parse, and folds foreign codes into a known kind", () => {
    expect(errorBody("rate_limit_exceeded", "slow down")).toEqual({
      error: { message: "slow down", type: "rate_limit_error", param: null, code: "rate_limit_exceeded" },
    });
    expect(isErrorKind("context_length_exceeded")).toBe(true);
    expect(isErrorKind("toString")).toBe(false);
    expect(errorKindOr("made_up", "upstream_error")).toBe("upstream_error");
  });
});
