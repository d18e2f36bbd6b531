import { describe, expect, it } from "vitest";
import { createJsonLinesSink } from "./json-lines-sink";
import { sampleRecord } from "./sample-record.fixture";

describe("createJsonLinesSink", () => {
  it("writes one parseable JSON line per record", async () => {
    const lines: string[] = [];
    const sink = createJsonLinesSink((line) => lines.push(line));
    await sink.write(sampleRecord);
    await sink.write({ ...sampleRecord, id: "req_2" });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => !l.includes("\n"))).toBe(true);
    expect(JSON.parse(lines[0] ?? "")).toEqual({ msg: "request", ...sampleRecord });
  });

  it("never throws when the writer fails", async () => {
    const sink = createJsonLinesSink(() => {
      throw new Error("stdout closed");
    });
    await expect(sink.write(sampleRecord)).resolves.toBeUndefined();
  });
});
