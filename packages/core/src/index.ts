export { DIALECTS, SQL_DIALECTS } from './dialect.js';
export type { Dialect, SqlDialect } from './dialect.js';
export { PRINCIPAL_KINDS } from './principal.js';
export type { Principal, PrincipalKind, PrincipalAttributeValue } from './principal.js';
export type { Target } from './target.js';
export { CATEGORIES, FLAGS, OBJECT_KINDS, OBJECT_ACCESSES } from './action.js';
export type { Action, Category, Flag, ObjectRef, ObjectKind, ObjectAccess, ColumnLineage } from './action.js';
export { MASK_STRATEGY_KINDS, MASK_FAILURE_MODES, REVIEW_MODES, AUDIT_DETAILS } from './obligations.js';
export type {
  MaskStrategyKind,
  MaskStrategySpec,
  ColumnMaskRule,
  DetectorMaskRule,
  CustomDetectorSpec,
  MaskFailureMode,
  MaskObligation,
  ReviewMode,
  ReviewObligation,
  AuditDetail,
  Obligations,
} from './obligations.js';
export type { RowFilter, RowPredicate, RowFilterValue } from './row-filter.js';
export { EFFECTS } from './decision.js';
export type { Effect, RiskFactor, Risk, ObservedRule, Decision, DecisionRequest, PolicyEngine } from './decision.js';
export { VALUE_TYPE_CLASSES } from './masking.js';
export type {
  ValueTypeClass,
  ResultColumn,
  MaskPlan,
  MaskPlanInput,
  ValueRepresentation,
  MaskStats,
  Masker,
} from './masking.js';
export type { AuditSessionInfo, AuditQueryEvent, AuditResultEvent, AuditSink, AuditLiteralBinding } from './audit.js';
export type { SessionContext, Session, DialectAdapter } from './adapter.js';
export { GatehouseError, formatProblem } from './errors.js';
export type { SourceLocation, LocatedProblem } from './errors.js';
export { OBJECT_MATCH_MODES, SCHEMALESS_DIALECTS, compileObjectPattern, objectPatternProblem, wildcardMatch } from './object-pattern.js';
export type { ObjectMatchMode, ObjectPattern } from './object-pattern.js';
export { ObjectPatternCache } from './object-pattern-cache.js';
