import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventHash, GENESIS_HASH } from '../chain/event-hash.js';
import { canonicalJson } from '../canonical-json.js';
import type { SealedAuditEvent } from '../events/event-types.js';
import { action, DIGEST_KEY, query, session } from '../test-support/fixtures.js';
import { MemoryStore } from '../test-support/memory-store.js';
import { AuditTrail } from '../trail.js';
import { JsonlSink } from './jsonl-sink.js';

describe('JsonlSink', () => {
  it('writes one parseable, chain-checkable line per committed event, with no literal in it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-jsonl-')), 'audit.jsonl');
    const secret = 'Sekrit-Value-9981';
    const trail = new AuditTrail({ store: new MemoryStore(), digestKey: DIGEST_KEY, forwarders: [new JsonlSink({ path })] });
    const sink = trail.sink('async');
    await sink.onSessionStart(session('s1'));
    // A classifier bug leaks the literal into redacted text: the guard must catch it.
    await sink.onQuery(query('s1', 'q1', [action('SELECT', 'app.public.users', `SELECT * FROM users WHERE name = '${secret}'`)], 'allow', {
      literals: [{ object: 'app.public.users', column: 'name', value: secret }],
    }));
    await sink.onResult({ sessionId: 's1', statementId: 'q1', rowsReturned: 1, durationMs: 1 });
    await sink.onSessionEnd('s1', new Date('2026-01-01T10:01:00Z'));
    await trail.close();

    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(secret);
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as SealedAuditEvent);
    // async: the result arrived in time, so it is part of the statement's record.
    expect(lines.map((e) => e.type)).toEqual(['session.start', 'statement', 'session.end']);
    expect(lines[1]).toMatchObject({ result: { outcome: 'ok', rowsReturned: 1, durationMs: 1 } });
    let prev = GENESIS_HASH;
    for (const line of lines) {
      const { prevHash, hash, ...body } = line;
      expect(prevHash).toBe(prev);
      expect(eventHash(prevHash, canonicalJson(body))).toBe(hash);
      prev = hash;
    }
    expect(lines[1]).toMatchObject({ redactedText: 'SELECT * FROM users WHERE name = ?' });
    expect((lines[1] as { guardRedactions?: number }).guardRedactions).toBeGreaterThan(0);
    expect((lines[1] as { literalDigests?: string[] }).literalDigests).toHaveLength(2);
  });
});
