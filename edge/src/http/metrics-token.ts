import { equalDigests, sha256 } from "./digest";

/**
 * Whether `Authorization: Bearer <token>` carries the metrics token (hash comparison in
 * constant time). No configured token means /metrics is closed.
 */
export async function metricsTokenMatches(
  expected: string | undefined,
  header: string | undefined,
): Promise<boolean> {
  if (!expected || !header) return false;
  const token = /^Bearer (\S+)$/i.exec(header.trim())?.[1];
  if (!token) return false;
  const [want, got] = await Promise.all([sha256(expected), sha256(token)]);
  return equalDigests(want, got);
}
