import { describe, expect, it } from "vitest";
import { sampleRecord } from "../../test/support/sample-record";
import { createJsonLinesSink } from "./json-lines-sink";
import { logFieldsOf } from "./request-record";

describe("createJsonLinesSink", () => {
  it("writes one parseable JSON line per record", async () => {
    const lines: string[] = [];
    const sink = createJsonLinesSink({ writeBatch: (batch) => lines.push(...batch) });
    await sink.write(sampleRecord);
    await sink.write({ ...sampleRecord, id: "req_2" });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => !l.includes("\n"))).toBe(true);
    expect(JSON.parse(lines[0] ?? "")).toEqual({ msg: "request", ...logFieldsOf(sampleRecord) });
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      requested_model: "auto",
      user_id: "alice",
      trace_id: null,
    });
  });

  it("batches the records of one window into one write, in order; each write resolves once written", async () => {
    const batches: string[][] = [];
    const sink = createJsonLinesSink({ writeBatch: (b) => batches.push(b), flushMs: 20, maxLines: 3 });
    const first = [sink.write(sampleRecord), sink.write({ ...sampleRecord, id: "req_2" })];
    expect(batches).toHaveLength(0);
    await Promise.all(first);
    expect(batches.map((b) => b.map((l) => (JSON.parse(l) as { request_id: string }).request_id))).toEqual([
      [sampleRecord.id, "req_2"],
    ]);
    // A full batch goes out at once, without waiting for the window.
    const full = [1, 2, 3].map((i) => sink.write({ ...sampleRecord, id: `full_${i}` }));
    expect(batches).toHaveLength(2);
    expect(batches[1]).toHaveLength(3);
    await Promise.all(full);
  });

  it("the default writer prints the batch as separate lines on stdout", async () => {
    const printed: string[] = [];
    const original = console.log;
    console.log = (text: string) => void printed.push(text);
    try {
      const sink = createJsonLinesSink({ flushMs: 5 });
      await Promise.all([sink.write(sampleRecord), sink.write({ ...sampleRecord, id: "req_2" })]);
    } finally {
      console.log = original;
    }
    expect(
      printed
        .join("\n")
        .split("\n")
        .map((l) => (JSON.parse(l) as { request_id: string }).request_id),
    ).toEqual([sampleRecord.id, "req_2"]);
  });

  it("never throws when the writer fails", async () => {
    const sink = createJsonLinesSink({
      writeBatch: () => {
        throw new Error("stdout closed");
      },
      flushMs: 0,
    });
    await expect(sink.write(sampleRecord)).resolves.toBeUndefined();
  });
});
