/** What `npm run bench -- …` can choose; defaults keep the whole run under about six minutes. */
export interface BenchOptions {
  /** Sections to run (default all except the profile). */
  readonly only: ReadonlySet<BenchSection>;
  /** Seconds per pgbench run. */
  readonly seconds: number;
  /** Interleaved rounds per pgbench target. */
  readonly rounds: number;
  /** Seconds per run of the TLS variant (fewer targets, shorter runs: it answers a narrower question). */
  readonly tlsSeconds: number;
}

export const BENCH_SECTIONS = ['decision', 'pgbench', 'pgbench-tls', 'pgbench-overhead', 'mssql', 'masking', 'profile'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

/** `profile` is a diagnosis aid (CPU profile of the gateway under pgbench), not a table to publish. */
const DEFAULT_SECTIONS: readonly BenchSection[] = ['decision', 'pgbench', 'pgbench-tls', 'pgbench-overhead', 'mssql', 'masking'];

export const BENCH_USAGE = `Usage: npm run bench -- [--only ${BENCH_SECTIONS.join(',')}] [--seconds 10] [--rounds 3] [--tls-seconds 3]  (or only=… seconds=… from the repo root)`;

export class BenchUsageError extends Error {}

/**
 * Accepts `--only pgbench`, `--only=pgbench` and `only=pgbench`. The last form exists because the
 * root script forwards through `npm run -w`, where npm takes `--only`/`--seconds` as its own
 * options; bare words reach us untouched.
 */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg) ?? /^([a-z-]+)=(.*)$/.exec(arg);
    if (!match) throw new BenchUsageError(`unexpected argument "${arg}"`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new BenchUsageError(`--${match[1]} needs a value`);
    values.set(match[1]!, value);
  }
  for (const name of values.keys()) {
    if (!['only', 'seconds', 'rounds', 'tls-seconds'].includes(name)) throw new BenchUsageError(`unknown option --${name}`);
  }
  const only = values.has('only') ? values.get('only')!.split(',').map((name) => name.trim()) : DEFAULT_SECTIONS;
  for (const name of only) {
    if (!(BENCH_SECTIONS as readonly string[]).includes(name)) throw new BenchUsageError(`unknown section "${name}"`);
  }
  const seconds = positiveInteger(values, 'seconds', 10);
  return {
    only: new Set(only as BenchSection[]),
    seconds,
    rounds: positiveInteger(values, 'rounds', 3),
    tlsSeconds: positiveInteger(values, 'tls-seconds', Math.max(1, Math.round(seconds * 0.3))),
  };
}

function positiveInteger(values: ReadonlyMap<string, string>, name: string, fallback: number): number {
  const text = values.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new BenchUsageError(`--${name} must be a positive integer, got "${text}"`);
  return value;
}
