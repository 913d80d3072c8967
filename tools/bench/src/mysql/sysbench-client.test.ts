import { describe, expect, it } from 'vitest';
import { parseSysbenchOutput, SysbenchOutputError } from './sysbench-client.js';

// The summary sysbench 1.0.20 prints after `oltp_read_only run` (trimmed to the lines that matter).
const OUTPUT = `SQL statistics:
    queries performed:
        read:                            250782
        write:                           0
        other:                           35826
        total:                           286608
    transactions:                        17913  (1193.94 per sec.)
    queries:                             286608 (19103.01 per sec.)
    ignored errors:                      0      (0.00 per sec.)
    reconnects:                          0      (0.00 per sec.)

Latency (ms):
         min:                                    1.43
         avg:                                    3.35
         max:                                   40.18
         95th percentile:                        4.25
         sum:                                59964.06
`;

describe('parseSysbenchOutput', () => {
  it('reads throughput and latency from the summary', () => {
    expect(parseSysbenchOutput(OUTPUT)).toEqual({ transactions: 17913, tps: 1193.94, qps: 19103.01, latencyAvgMs: 3.35, latencyP95Ms: 4.25 });
  });

  it('refuses output without a summary, and runs that ignored errors', () => {
    expect(() => parseSysbenchOutput('FATAL: unable to connect')).toThrow(SysbenchOutputError);
    expect(() => parseSysbenchOutput(OUTPUT.replace('ignored errors:                      0', 'ignored errors:                      3'))).toThrow(/ignored 3 errors/);
  });
});
