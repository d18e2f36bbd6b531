import { matchApiKey, sha256 } from "../middleware/auth/api-keys";

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
  return (await matchApiKey([{ name: "metrics", sha256: await sha256(expected) }], token)) !== undefined;
}
