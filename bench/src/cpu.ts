import { readdirSync, readFileSync } from "node:fs";

/** CPU time (user + system) of one process, with what it is. */
export interface ProcessCpu {
  pid: number;
  group: number;
  /** The executable's short name from /proc (e.g. "workerd", "node", "python3"). */
  comm: string;
  ms: number;
}

const TICKS_PER_SECOND = 100;

/** Every process on the machine with its CPU time so far (Linux /proc); vanished ones are skipped. */
export function processCpu(): ProcessCpu[] {
  const out: ProcessCpu[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      // Fields after the command: state ppid pgrp ... utime(12) stime(13), counted from "state" as 0.
      const fields = stat.slice(close + 2).split(" ");
      out.push({
        pid: Number(entry),
        group: Number(fields[2]),
        comm,
        ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
      });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/**
 * CPU ms used so far by each named process group, split by executable: `{ edge: { workerd: 812 } }`.
 * Services are started detached, so each leads its own group and every child it forks is in it.
 *
 * @example
 * const before = cpuByGroup({ edge: edge.pid }); ...; const used = cpuDelta(before, cpuByGroup({ edge: edge.pid }));
 */
export function cpuByGroup(groups: Record<string, number>): Record<string, Record<string, number>> {
  const byGroup = new Map(Object.entries(groups).map(([name, pgid]) => [pgid, name]));
  const out: Record<string, Record<string, number>> = {};
  for (const p of processCpu()) {
    const name = byGroup.get(p.group);
    if (name === undefined) continue;
    const kinds = out[name] ?? {};
    out[name] = kinds;
    kinds[p.comm] = (kinds[p.comm] ?? 0) + p.ms;
  }
  return out;
}

/** This process's own CPU ms so far (the load generator, and any in-process fake upstream). */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `after - before`, per group and executable. */
export function cpuDelta(
  before: Record<string, Record<string, number>>,
  after: Record<string, Record<string, number>>,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [group, kinds] of Object.entries(after)) {
    out[group] = {};
    for (const [kind, ms] of Object.entries(kinds))
      (out[group] as Record<string, number>)[kind] = ms - (before[group]?.[kind] ?? 0);
  }
  return out;
}
