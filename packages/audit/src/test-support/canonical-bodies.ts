import { canonicalJson } from '../canonical-json.js';
import type { BodySource } from '../store/log/segment-log.js';

/** What SegmentLog.append takes, from plain events: each one's canonical JSON with the seq the log gives it. */
export function canonicalBodies(events: readonly object[]): BodySource {
  return { count: events.length, write: (index, seq, sink) => sink.text(canonicalJson({ ...events[index], seq })) };
}
