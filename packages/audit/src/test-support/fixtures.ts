import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Action, AuditQueryEvent, AuditSessionInfo, Decision, Effect } from '@gatehouse/core';

export function signingKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

export const DIGEST_KEY = 'test-digest-key-0123456789abcdef-0123456789';

export function session(id: string, user = 'alice', groups: readonly string[] = ['dba'], connection = 'orders', environment = 'prod'): AuditSessionInfo {
  return {
    sessionId: id,
    principal: { id: user, groups, kind: 'human', via: 'oidc' },
    target: { connection, environment, dialect: 'postgres', database: 'app' },
    clientAddress: '10.0.0.7',
    applicationName: 'psql',
    tls: true,
    tlsVersion: 'TLSv1.3',
    authMethod: 'cleartext-in-tls',
    startedAt: new Date('2026-01-01T10:00:00Z'),
  };
}

export function action(operation: string, table: string, redactedText: string, category: Action['category'] = 'read'): Action {
  return {
    dialect: 'postgres',
    category,
    operation,
    objects: [{ name: table, kind: 'table', access: category === 'write' ? 'write' : 'read', columns: ['id'] }],
    flags: [],
    fingerprint: redactedText.toLowerCase(),
    redactedText,
  };
}

export function decision(effect: Effect, rules: readonly string[] = ['r-default']): Decision {
  return { effect, rules, reason: `${effect} by ${rules.join(',')}`, risk: { score: 3, factors: [{ name: 'category:read', points: 3 }] }, obligations: { audit: 'standard' }, observed: [] };
}

export function query(sessionId: string, statementId: string, actions: readonly Action[], effect: Effect = 'allow', extra: Partial<AuditQueryEvent> = {}): AuditQueryEvent {
  return { sessionId, statementId, at: new Date('2026-01-01T10:00:01Z'), actions, decision: decision(effect, [`r-${effect}`]), ...extra };
}
