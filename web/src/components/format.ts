/** Small display helpers, kept apart so components stay declarative. */

export const formatMs = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;

export const formatPercent = (value: number | undefined): string | undefined =>
  value === undefined ? undefined : `${Math.round(value * 100)}%`;

export const formatRate = (value: number | undefined): string | undefined =>
  value === undefined ? undefined : `${value >= 10 ? Math.round(value) : value.toFixed(1)} tok/s`;

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}
