import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';

/** Samples this process's CPU while `work` runs (the V8 profiler, as `node --cpu-prof` does). */
export async function cpuProfile(work: () => Promise<unknown>): Promise<Profiler.Profile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    // 100 µs sampling: enough samples in a few seconds to rank functions costing ~1 % apart.
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    let stopped: Profiler.Profile | undefined;
    try {
      await work();
    } finally {
      stopped = (await session.post('Profiler.stop')).profile;
    }
    return stopped;
  } finally {
    session.disconnect();
  }
}

export interface HotSpot {
  readonly name: string;
  readonly location: string;
  /** Share of samples where the process was busy (idle excluded). */
  readonly selfPercent: number;
  /** Share of samples spent in JavaScript (natives such as socket writes and GC excluded). */
  readonly jsPercent: number;
}

/** Self time by function (and by where the code lives), busy samples only. */
export function hotSpots(profile: Profiler.Profile, root: string): { functions: HotSpot[]; areas: HotSpot[]; busyPercent: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map<number, number>();
  for (const id of profile.samples ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  let total = 0;
  let idle = 0;
  const functions = new Map<string, { name: string; location: string; samples: number }>();
  const areas = new Map<string, number>();
  for (const [id, samples] of counts) {
    const frame = byId.get(id)!.callFrame;
    total += samples;
    if (frame.functionName === '(idle)') {
      idle += samples;
      continue;
    }
    const url = frame.url.replace(/^file:\/\//, '').replace(root, '');
    // tsx-compiled sources report line 0 for most functions; a file name alone is then more honest.
    const location = url && frame.lineNumber > 0 ? `${url}:${frame.lineNumber + 1}` : url;
    const key = `${frame.functionName}@${location}`;
    const entry = functions.get(key) ?? { name: frame.functionName || '(anonymous)', location, samples: 0 };
    entry.samples += samples;
    functions.set(key, entry);
    const area = areaOf(url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + samples);
  }
  const busy = total - idle;
  const js = [...functions.values()].reduce((sum, entry) => sum + (entry.location ? entry.samples : 0), 0);
  const percent = (samples: number, of: number): number => (of === 0 ? 0 : (100 * samples) / of);
  return {
    functions: [...functions.values()]
      .sort((a, b) => b.samples - a.samples)
      .map((entry) => ({ name: entry.name, location: entry.location, selfPercent: percent(entry.samples, busy), jsPercent: entry.location ? percent(entry.samples, js) : 0 })),
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([name, samples]) => ({ name, location: '', selfPercent: percent(samples, busy), jsPercent: 0 })),
    busyPercent: total === 0 ? 0 : (100 * busy) / total,
  };
}

/** A coarse owner for a frame: a workspace package, node internals, a dependency, or V8 itself. */
function areaOf(url: string, functionName: string): string {
  const workspace = /^\/?(packages|apps|tools)\/([^/]+)\//.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return `dependency ${dependency[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return functionName.startsWith('(') ? functionName : 'native';
  return 'other';
}
