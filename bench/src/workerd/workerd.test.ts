import { afterAll, describe, expect, it } from "vitest";
import { startFakeBackend } from "../../../edge/test/support/fake-backend.js";
import { cpuByGroup } from "../cpu.js";
import { stopAll } from "../services.js";
import { startFloor } from "../stack.js";

// The bench's own workerd runner: bundle with wrangler's rules, a generated config, `workerd serve`.
describe("a worker on workerd from the bench's generated config", { timeout: 120_000 }, () => {
  afterAll(() => stopAll());

  it("serves the floor worker, reaches a loopback upstream, and its CPU is found by process group", async () => {
    const upstream = await startFakeBackend();
    try {
      const floor = await startFloor(upstream.url);
      const res = await fetch(`${floor.url}/proxy/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('"content":"Once"');
      expect(text).toContain("data: [DONE]");
      expect(upstream.received).toHaveLength(1);
      const cpu = cpuByGroup({ floor: floor.pid as number });
      expect(Object.keys(cpu.floor ?? {})).toContain("workerd");
    } finally {
      await upstream.close();
    }
  });
});
