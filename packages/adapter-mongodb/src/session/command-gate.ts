import type { Document } from 'bson';
import type { GateResult, HookSession, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate } from '@gatehouse/proxy';
import { gateRefusalReply } from './native-errors.js';

const GATE_FAILED: GateResult = {
  proceed: false,
  reason: 'audit-unavailable',
  message: 'the command could not be recorded or approved, so it was not run; try again',
};

/** What to do once the gate has spoken. */
export interface GateSteps {
  /** The session ended while the gate was pending: neither step runs. */
  ended(): boolean;
  refuse(document: Document): void;
  forward(): void;
}

/**
 * The last word before a decided command is forwarded (approval holds, durable audit writes):
 * `forward` runs now or once the gate resolves; otherwise the client gets the native refusal.
 * A gate that fails refuses: nothing is forwarded on an error. While it waits, this connection's
 * later messages wait too (the dispatcher awaits the returned promise), so order is kept.
 */
export function gateCommand(hooks: SessionHooks | undefined, session: HookSession, outcome: StatementOutcome, steps: GateSteps): Promise<void> | undefined {
  let result: GateResult | Promise<GateResult>;
  try {
    result = hooks?.gate ? hooks.gate(session, outcome) : decisionGate(outcome);
  } catch {
    result = GATE_FAILED;
  }
  const apply = (settled: GateResult): void => {
    hooks?.gateSettled?.(session, outcome, settled);
    if (steps.ended()) return;
    if (settled.proceed) steps.forward();
    else steps.refuse(gateRefusalReply(settled, outcome.decision));
  };
  if (!(result instanceof Promise)) {
    apply(result);
    return undefined;
  }
  return result.catch(() => GATE_FAILED).then(apply);
}
