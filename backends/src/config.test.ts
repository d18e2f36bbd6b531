import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  it("refuses to listen beyond loopback without an API key unless told --insecure-no-auth", () => {
    expect(() => parseBackendOptions(["--model", "x", "--host", "0.0.0.0"], {})).toThrow(
      /--api-key: listening beyond loopback needs an API key: set SWITCHYARD_BACKEND_API_KEY/,
    );
    expect(() => parseBackendOptions(["--model", "x"], { SWITCHYARD_HOST: "10.0.0.5" })).toThrow(
      /--insecure-no-auth/,
    );
    for (const host of ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
      expect(parseBackendOptions(["--model", "x", "--host", host], {}).host).toBe(host);
    expect(
      parseBackendOptions(["--model", "x", "--host", "0.0.0.0", "--insecure-no-auth"], {}),
    ).toMatchObject({
      host: "0.0.0.0",
      insecureNoAuth: true,
    });
    expect(
      parseBackendOptions(["--model", "x", "--host", "0.0.0.0"], { SWITCHYARD_BACKEND_API_KEY: "k" }).apiKey,
    ).toBe("k");
  });

  it("reads the API key from SWITCHYARD_BACKEND_API_KEY_FILE (Compose and Kubernetes secrets)", () => {
    const dir = mkdtempSync(join(tmpdir(), "backend-key-"));
    try {
      writeFileSync(join(dir, "key"), "sk-from-file\n");
      const options = parseBackendOptions(["--model", "x", "--host", "0.0.0.0"], {
        SWITCHYARD_BACKEND_API_KEY_FILE: join(dir, "key"),
      });
      expect(options.apiKey).toBe("sk-from-file");
      expect(() =>
        parseBackendOptions(["--model", "x"], { SWITCHYARD_BACKEND_API_KEY_FILE: join(dir, "missing") }),
      ).toThrow(/--api-key-file: cannot read .*missing \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
