import { describe, expect, it } from "vitest";
import { parseBackendOptions } from "./config.js";

describe("parseBackendOptions", () => {
  it("reads flags, falls back to SWITCHYARD_* env, then defaults", () => {
    const options = parseBackendOptions(
      ["--model", "stories260k", "--port", "8081", "--gpu-layers", "12", "--dev"],
      {
        SWITCHYARD_THREADS: "1",
        SWITCHYARD_PARALLEL: "4",
        SWITCHYARD_PORT: "9999",
        SWITCHYARD_BACKEND_API_KEY: "key",
      },
    );
    expect(options).toMatchObject({
      model: "stories260k",
      port: 8081,
      threads: 1,
      parallel: 4,
      gpuLayers: 12,
      dev: true,
      apiKey: "key",
      gpu: "auto",
      queueSize: 16,
    });
  });

  it("rejects bad values with a message naming the flag", () => {
    expect(() => parseBackendOptions(["--model", "x", "--threads", "0"], {})).toThrow(/--threads/);
    expect(() => parseBackendOptions(["--model", "x", "--gpu", "cuda"], {})).toThrow(/--gpu/);
    expect(() => parseBackendOptions(["--port", "80"], {})).toThrow(/--model/);
    expect(() => parseBackendOptions(["--model", "x", "--nope"], {})).toThrow(/nope/);
  });
});
