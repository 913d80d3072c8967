import type { GateResult, HookSession, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate } from '@gatehouse/proxy';

const GATE_FAILED: GateResult = {
  proceed: false,
  reason: 'audit-unavailable',
  message: 'the command could not be recorded or approved, so it was not run; try again',
};

/**
 * The last word before a decided command is forwarded (approval holds, durable audit writes): the
 * verdict now when the gate answers at once (no hooks: the decision alone), else a promise of it.
 * A gate that throws or rejects refuses: nothing is forwarded on an error. The caller applies the
 * verdict (and tells `gateSettled`); while a promise is pending, this connection's later messages
 * wait (the dispatcher awaits it), so order is kept. Answering synchronously keeps the usual
 * command free of promise hops between its last byte arriving and its first byte leaving.
 */
export function gateVerdict(hooks: SessionHooks | undefined, session: HookSession, outcome: StatementOutcome): GateResult | Promise<GateResult> {
  const gate = hooks?.gate;
  if (!gate) return decisionGate(outcome);
  let result: GateResult | Promise<GateResult>;
  try {
    result = gate.call(hooks, session, outcome);
  } catch {
    return GATE_FAILED;
  }
  return result instanceof Promise ? result.catch(gateFailed) : result;
}

function gateFailed(): GateResult {
  return GATE_FAILED;
}
