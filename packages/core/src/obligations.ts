import type { RowFilter } from './row-filter.js';

export const MASK_STRATEGY_KINDS = ['redact', 'partial', 'hash', 'null', 'format-preserving'] as const;
export type MaskStrategyKind = (typeof MASK_STRATEGY_KINDS)[number];

/** A masking strategy with its options, as written in policy. */
export interface MaskStrategySpec {
  readonly kind: MaskStrategyKind;
  /** partial: characters kept at the end (email: the domain is kept). */
  readonly keep?: number;
  /** redact: the replacement text. */
  readonly replacement?: string;
}

/** A column rule: a dotted-name glob (`*.*.users.email`) or a column-name pattern (`*email*`). */
export interface ColumnMaskRule {
  readonly pattern: string;
  readonly strategy: MaskStrategySpec;
  /** The policy rule that asked for it. */
  readonly rule: string;
}

export interface DetectorMaskRule {
  /** Built-in detector name (email, credit_card, …) or a custom detector's name. */
  readonly detector: string;
  readonly strategy: MaskStrategySpec;
  readonly rule: string;
}

/** A detector defined in policy: a regular expression or a word list. */
export interface CustomDetectorSpec {
  readonly name: string;
  readonly regex?: string;
  readonly words?: readonly string[];
}

export const MASK_FAILURE_MODES = ['strict', 'best-effort'] as const;
export type MaskFailureMode = (typeof MASK_FAILURE_MODES)[number];

/** What must be masked in results: merged from every matching allow rule (union). */
export interface MaskObligation {
  readonly columns: readonly ColumnMaskRule[];
  readonly detectors: readonly DetectorMaskRule[];
  readonly customDetectors: readonly CustomDetectorSpec[];
  readonly failure: MaskFailureMode;
}

export const REVIEW_MODES = ['hold', 'ticket'] as const;
export type ReviewMode = (typeof REVIEW_MODES)[number];

/** How a `review` decision is to be approved. */
export interface ReviewObligation {
  readonly rule: string;
  readonly mode: ReviewMode;
  readonly approvers: { readonly groups: readonly string[]; readonly users: readonly string[] };
  readonly minApprovals: number;
  readonly timeoutMs: number;
}

export const AUDIT_DETAILS = ['minimal', 'standard', 'full'] as const;
export type AuditDetail = (typeof AUDIT_DETAILS)[number];

/** What the gateway must do besides forwarding. */
export interface Obligations {
  readonly mask?: MaskObligation;
  /** At most this many rows per statement. */
  readonly rowLimit?: number;
  /** Rows the principal may see and change, per table glob; absent or empty = no row filter. */
  readonly rowFilters?: readonly RowFilter[];
  readonly audit: AuditDetail;
  readonly review?: ReviewObligation;
}
