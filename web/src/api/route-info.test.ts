import { describe, expect, it } from "vitest";
import { mergeRoute, parseConfidence, parseFallback, routeFromBody, routeFromHeaders } from "./route-info";

describe("route info", () => {
  it("reads the x-switchyard headers", () => {
    const headers = new Headers({
      "x-switchyard-model": "codegemma-7b",
      "x-switchyard-route-reason": "classifier:code",
      "x-switchyard-route-confidence": "0.91",
      "x-switchyard-cache": "hit",
      "x-request-id": "abc",
    });
    expect(routeFromHeaders(headers)).toEqual({
      model: "codegemma-7b",
      reason: "classifier:code",
      confidence: 0.91,
      cache: "HIT",
      requestId: "abc",
      fallback: undefined,
    });
  });

  it("understands confidence as a fraction, a percentage or a string", () => {
    expect(parseConfidence("0.5")).toBe(0.5);
    expect(parseConfidence("75%")).toBe(0.75);
    expect(parseConfidence(80)).toBe(0.8);
    expect(parseConfidence("n/a")).toBeUndefined();
    expect(parseConfidence(null)).toBeUndefined();
  });

  it("is tolerant about the shape of the fallback description", () => {
    expect(parseFallback(false)).toBeUndefined();
    expect(parseFallback({ happened: false })).toBeUndefined();
    expect(parseFallback(true, "gemma-2-9b-it")).toEqual({ to: "gemma-2-9b-it" });
    expect(parseFallback({ from: "a", to: "b", reason: "timeout" })).toEqual({
      from: "a",
      to: "b",
      reason: "timeout",
    });
    expect(parseFallback([{ model: "a" }, { model: "b" }])).toEqual({
      from: "a",
      to: "b",
      reason: "tried a → b",
    });
    expect(parseFallback(["a"])).toBeUndefined();
    expect(parseFallback({ attempts: ["a", "b", "c"] }, "c")).toEqual({
      from: "a",
      to: "c",
      reason: "tried a → b → c",
    });
  });

  it("reads the edge's switchyard object (fallback_from lists the models that failed first)", () => {
    const info = {
      model: "gemma-2-9b-it",
      route_reason: "round_robin",
      route_confidence: null,
      cache: "MISS",
      request_id: "req-1",
      attempts: 3,
      fallback_from: ["qwen2.5-7b-instruct", "llama-3.1-8b-instruct"],
    };
    expect(routeFromBody(info)).toEqual({
      model: "gemma-2-9b-it",
      reason: "round_robin",
      confidence: undefined,
      cache: "MISS",
      requestId: "req-1",
      attempts: 3,
      fallback: {
        from: "qwen2.5-7b-instruct",
        to: "gemma-2-9b-it",
        reason: "tried qwen2.5-7b-instruct → llama-3.1-8b-instruct → gemma-2-9b-it",
      },
    });
    expect(routeFromBody({ ...info, attempts: 1, fallback_from: [] })?.fallback).toBeUndefined();
    expect(
      routeFromHeaders(
        new Headers({ "x-switchyard-model": "none", "x-switchyard-route-confidence": "none" }),
      ),
    ).toMatchObject({ model: undefined, confidence: undefined });
  });

  it("reads a nested route object from the body and lets later information win", () => {
    const body = routeFromBody({
      model: "gemma-2-9b-it",
      route: { reason: "largest", confidence: "0.3" },
      cache: "MISS",
    });
    expect(body).toMatchObject({ model: "gemma-2-9b-it", reason: "largest", confidence: 0.3, cache: "MISS" });
    const merged = mergeRoute({ model: "qwen2.5-7b-instruct", requestId: "r1", confidence: 0.9 }, body);
    expect(merged).toMatchObject({ model: "gemma-2-9b-it", requestId: "r1", confidence: 0.3 });
    expect(routeFromBody("nope")).toBeUndefined();
  });
});
