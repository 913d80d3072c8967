import { serialize } from 'bson';
import type { Document } from 'bson';
import type { Decision } from '@gatehouse/core';
import type { StatementOutcome } from '@gatehouse/proxy';
import { commandShape } from '../classify/shape.js';
import { decodeDocument } from '../protocol/bson-codec.js';
import type { DocumentSequence } from '../protocol/op-msg.js';
import { RowFilterRefusal } from '../row-filter/refusal.js';
import { rewriteForRowFilters } from '../row-filter/rewrite-command.js';
import type { ForwardChanges } from './forward-message.js';

/** A decided command after its row filters: the outcome to gate, and what to forward instead of the client's bytes. */
export interface RowFilterStep {
  readonly outcome: StatementOutcome;
  readonly changes?: Pick<ForwardChanges, 'body' | 'sequences'>;
}

/**
 * Applies the decision's row filters to a command about to be gated. No filters (or a deny): the
 * outcome as it is. A rewrite: the new body and sequences, and `forwardText` set to the rewritten
 * command's shape (every value replaced, as in the redacted text; the bytes forwarded are BSON).
 * A command that cannot be limited with certainty becomes a deny naming the filter's rule, so the
 * gate, the audit trail and the client all see a refusal and nothing unfiltered is forwarded.
 */
export function applyRowFilters(
  db: string,
  command: Document,
  body: Buffer,
  sequences: readonly DocumentSequence[],
  outcome: StatementOutcome,
): RowFilterStep {
  const filters = outcome.decision.obligations.rowFilters;
  if (!filters || filters.length === 0 || outcome.decision.effect === 'deny') return { outcome };
  try {
    const decoded = new Map<string, Document[]>();
    for (const sequence of sequences) decoded.set(sequence.identifier, sequence.documents.map(decodeDocument));
    const objects = outcome.actions.flatMap((action) => action.objects);
    const rewrite = rewriteForRowFilters(db, command, decoded, filters, objects);
    if (!rewrite) return { outcome };
    const rule = rewrite.rules[0] ?? filters[0]!.rule;
    const newBody = rewrite.command === command ? undefined : reencode(body, command, rewrite.command, rule);
    let newSequences: Map<string, Buffer[]> | undefined;
    for (const [identifier, documents] of rewrite.sequences) {
      const original = sequences.find((sequence) => sequence.identifier === identifier)!;
      original.documents.forEach((bytes, index) => assertExact(bytes, decoded.get(identifier)![index]!, rule));
      (newSequences ??= new Map()).set(identifier, documents.map((document) => Buffer.from(serialize(document))));
    }
    if (!newBody && !newSequences) return { outcome };
    return {
      outcome: { ...outcome, forwardText: commandShape(rewrite.command, { collapse: false }) },
      changes: { ...(newBody ? { body: newBody } : {}), ...(newSequences ? { sequences: newSequences } : {}) },
    };
  } catch (error) {
    if (!(error instanceof RowFilterRefusal)) throw error;
    return { outcome: { ...outcome, decision: refused(outcome.decision, error) } };
  }
}

/**
 * The rewritten document as BSON, once the client's own bytes are known to survive decoding and
 * re-encoding unchanged (key order, number types): otherwise the rewrite could alter what the
 * client asked for, and the command is refused.
 */
function reencode(original: Buffer, decoded: Document, next: Document, rule: string): Buffer {
  assertExact(original, decoded, rule);
  return Buffer.from(serialize(next));
}

function assertExact(original: Buffer, decoded: Document, rule: string): void {
  if (!Buffer.from(serialize(decoded)).equals(original)) {
    throw new RowFilterRefusal(rule, 'the command uses BSON the gateway cannot re-encode exactly, so it cannot add the row filter');
  }
}

function refused(decision: Decision, refusal: RowFilterRefusal): Decision {
  return { ...decision, effect: 'deny', rules: [refusal.rule], reason: `row filter cannot be applied: ${refusal.message}` };
}
