import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";

/**
 * Streams a file through sha256 and returns the lower-case hex digest.
 * Rejects when the file cannot be read (a missing file is not a mismatch).
 *
 * @example await sha256File("../shared/models/stories260K.gguf")
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/**
 * True when the file's sha256 equals `expected` (case-insensitive).
 *
 * @example if (!(await verifySha256(model.path, model.sha256))) throw new Error("checksum mismatch");
 */
export async function verifySha256(path: string, expected: string): Promise<boolean> {
  return (await sha256File(path)) === expected.toLowerCase();
}
