import type { AuditDetail, CustomDetectorSpec, MaskObligation } from '@gatehouse/core';

const AUDIT_RANK: Readonly<Record<AuditDetail, number>> = { minimal: 0, standard: 1, full: 2 };

/** The more detailed of two audit levels: a rule can raise the audit detail, never lower another's. */
export function maxAudit(a: AuditDetail, b: AuditDetail | undefined): AuditDetail {
  return b !== undefined && AUDIT_RANK[b] > AUDIT_RANK[a] ? b : a;
}

/**
 * Union of the mask obligations of several allow rules: every column rule and detector of every
 * rule applies (the masker resolves overlaps), and `strict` wins over `best-effort`.
 * A single obligation is returned as is, so the common case allocates nothing.
 */
export function mergeMasks(masks: readonly MaskObligation[]): MaskObligation | undefined {
  if (masks.length <= 1) return masks[0];
  const customDetectors = new Map<string, CustomDetectorSpec>();
  for (const mask of masks) for (const detector of mask.customDetectors) customDetectors.set(detector.name, detector);
  return {
    columns: masks.flatMap((mask) => mask.columns),
    detectors: masks.flatMap((mask) => mask.detectors),
    customDetectors: [...customDetectors.values()],
    failure: masks.some((mask) => mask.failure === 'strict') ? 'strict' : 'best-effort',
  };
}
