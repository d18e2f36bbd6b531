import { describe, expect, it } from "vitest";
import { calibrate, cascadeFrom, chooseModelIndex } from "../../edge/src/routing/classifier/decide.js";

describe("decision rule", () => {
  const costs = [1, 2, 2, 9];
  it("takes the cheapest model that clears the threshold", () => {
    expect(chooseModelIndex([0.9, 0.8, 0.95, 0.99], costs, 0.85)).toBe(0);
    expect(chooseModelIndex([0.5, 0.8, 0.95, 0.99], costs, 0.85)).toBe(2);
    expect(chooseModelIndex([0.5, 0.9, 0.95, 0.99], costs, 0.85)).toBe(2); // equal cost: higher p
    expect(chooseModelIndex([0.5, 0.6, 0.7, 0.9], costs, 0.85)).toBe(3);
  });
  it("falls back to the most probable model when none clears it; 0 means cheapest", () => {
    expect(chooseModelIndex([0.5, 0.7, 0.6, 0.65], costs, 0.99)).toBe(1);
    expect(chooseModelIndex([0.1, 0.7, 0.6, 0.65], costs, 0)).toBe(0);
  });
  it("calibrates with Platt scaling and leaves identity alone", () => {
    expect(calibrate([0.3], [{ a: 1, b: 0 }])[0]).toBeCloseTo(0.3, 12);
    expect(calibrate([0.5], [{ a: 2, b: Math.log(3) }])[0]).toBeCloseTo(0.75, 12);
  });
  it("orders the cascade from the routed model up the tiers, then down", () => {
    const order = ["s", "m", "l", "xl"];
    expect(cascadeFrom("m", order)).toEqual(["l", "xl", "s"]);
    expect(cascadeFrom("xl", order)).toEqual(["l", "m", "s"]);
    expect(cascadeFrom("s", order, ["s", "l", "other"])).toEqual(["l", "other"]);
  });
});
