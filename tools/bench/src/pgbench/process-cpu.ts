import { readFileSync } from 'node:fs';

/** CPU time a process has used so far, in microseconds. */
export interface CpuTime {
  readonly userUs: number;
  readonly systemUs: number;
}

/** This process (all its threads): where the relay and the in-process gateway run. */
export function ownCpu(): CpuTime {
  const usage = process.cpuUsage();
  return { userUs: usage.user, systemUs: usage.system };
}

/** Linux exposes /proc/<pid>/stat times in USER_HZ ticks, fixed at 100 per second for user space. */
const TICK_US = 10_000;

/** Another process (pgbouncer), from /proc/<pid>/stat: utime and stime are fields 14 and 15. */
export function processCpu(pid: number): CpuTime {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is parenthesised and may hold spaces; count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { userUs: Number(fields[11]) * TICK_US, systemUs: Number(fields[12]) * TICK_US };
}
