import type { Flag, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { qualifiedName } from './names.js';
import type { NameAt } from './read-name.js';
import { readName } from './read-name.js';
import { SIDE_EFFECT_ROUTINES } from './side-effects.js';
import type { StatementContext } from './statement-context.js';
import { parseError, statement } from './statement-context.js';
import { SYSTEM_PROCEDURES } from './system-procedures.js';

/**
 * EXEC / EXECUTE at position `from` (the EXEC keyword):
 * - EXECUTE AS … switches identity: session + privilege-switch.
 * - EXEC ('…'), EXEC (@sql), EXEC @procVariable: what runs is not visible: unknown + dynamic.
 * - EXEC sp_executesql N'…': dynamic as well; the gateway's RPC path classifies the inner text.
 * - EXEC xp_cmdshell and other side-effect routines; sp_configure (security options flagged);
 *   role and login procedures (dcl); otherwise an ordinary procedure call.
 */
export function classifyExec(sc: StatementContext, from: number, to: number): StatementClassification {
  const { view } = sc;
  let at = from + 1;
  if (at >= to) return parseError();
  if (view.word(at) === 'AS') return statement('session', 'EXECUTE AS', [], ['privilege-switch']);
  if (view.punct(at) === '(') return statement('unknown', 'EXEC', [], ['dynamic']);
  if (view.token(at).kind === 'variable') {
    // EXEC @status = proc … names the procedure; EXEC @name … runs whatever the variable holds.
    if (view.punct(at + 1) !== '=') return statement('unknown', 'EXEC', [], ['dynamic']);
    at += 2;
    if (at >= to) return parseError();
    if (view.token(at).kind === 'variable' || view.punct(at) === '(') return statement('unknown', 'EXEC', [], ['dynamic']);
  }
  const name = readName(view, at, to);
  if (!name) return parseError();
  return classifyProcedureCall(sc, name, to);
}

/**
 * A bare procedure name as the first statement of a batch (`sp_configure 'x', 1`): T-SQL runs it
 * as if EXEC were written.
 */
export function classifyBareCall(sc: StatementContext, from: number, to: number): StatementClassification {
  const name = readName(sc.view, from, to);
  if (!name) return parseError();
  // Only arguments may follow: a literal, a variable, `,`, or nothing (`DISABLE TRIGGER …` is no call).
  if (name.next < to) {
    const next = sc.view.token(name.next);
    if (next.kind !== 'string' && next.kind !== 'number' && next.kind !== 'variable' && sc.view.punct(name.next) !== ',') {
      return parseError();
    }
  }
  return classifyProcedureCall(sc, name, to);
}

function classifyProcedureCall(sc: StatementContext, name: NameAt, to: number): StatementClassification {
  const routine = name.parts.at(-1)!;
  const lower = routine.toLowerCase();
  // System procedures live in master's sys schema whatever database or `..` they are called through.
  const schema = name.parts.length >= 2 ? name.parts.at(-2)!.toLowerCase() : '';
  const objectName =
    isSystem(lower) && (schema === '' || schema === 'sys' || schema === 'dbo')
      ? `master.sys.${routine}`
      : qualifiedName(name.parts, sc.context);
  const objects: ObjectRef[] = [{ name: objectName, kind: 'procedure', access: 'execute' }];

  const sideEffect = SIDE_EFFECT_ROUTINES.get(lower);
  if (sideEffect) {
    const flags: Flag[] = ['side-effect-function'];
    if (sideEffect.fileAccess) flags.push('file-access');
    return statement(sideEffect.category, 'EXEC', objects, flags);
  }
  const system = SYSTEM_PROCEDURES.get(lower);
  if (!system) return statement('procedure', 'EXEC', objects);
  const flags = [...system.flags];
  if (lower === 'sp_configure' && changesSetting(sc, name.next, to)) flags.push('security-setting');
  // Dynamic SQL: the text is a literal and must not become an object; only the flag is reported.
  return statement(system.category, 'EXEC', system.category === 'unknown' ? [] : objects, flags);
}

function isSystem(lower: string): boolean {
  return SYSTEM_PROCEDURES.has(lower) || SIDE_EFFECT_ROUTINES.has(lower);
}

/**
 * sp_configure 'option', value changes a server setting. Which option it is sits in a literal, and
 * classifications are cached by fingerprint (literals replaced), so the option name cannot decide:
 * every change is treated as a possible security switch (xp_cmdshell, c2 audit mode, clr enabled,
 * Ole Automation Procedures, cross db ownership chaining, …; sp_configure also accepts any unique
 * prefix of an option name, so matching names would not be reliable anyway).
 */
function changesSetting(sc: StatementContext, from: number, to: number): boolean {
  let commas = 0;
  for (let k = from; k < to; k++) if (sc.view.punct(k) === ',') commas++;
  return commas >= 1;
}
