import type { CustomDetectorSpec, DetectorMaskRule } from '@gatehouse/core';
import { builtinDetector, isBuiltinDetector, type BuiltinDetectorOptions } from '../detectors/builtin.js';
import { customDetector } from '../detectors/custom.js';
import { createScanner, type Scanner } from '../detectors/scan.js';
import type { Detector } from '../detectors/types.js';
import { MaskPlanError } from '../errors.js';
import { compileStrategy, strategyRank, type StrategyOptions, type StringMasker } from '../strategies/strategy.js';

export interface DetectorSet {
  readonly scanner: Scanner;
  /** Per detector name: how its spans are masked, and the rule that asked. */
  readonly maskers: ReadonlyMap<string, { readonly mask: StringMasker; readonly rule: string }>;
}

/** Compiled detectors are reused across plans: building a Pike VM per result set would be waste. */
const customCache = new Map<string, Detector>();
const MAX_CUSTOM_CACHE = 256;

function cachedCustom(spec: CustomDetectorSpec): Detector {
  const key = JSON.stringify([spec.name, spec.regex ?? null, spec.words ?? null]);
  let detector = customCache.get(key);
  if (!detector) {
    detector = customDetector(spec);
    if (customCache.size >= MAX_CUSTOM_CACHE) customCache.clear();
    customCache.set(key, detector);
  }
  return detector;
}

const builtinCache = new WeakMap<BuiltinDetectorOptions, Map<string, Detector>>();
const DEFAULT_OPTIONS: BuiltinDetectorOptions = {};

function cachedBuiltin(name: Parameters<typeof builtinDetector>[0], options: BuiltinDetectorOptions): Detector {
  let map = builtinCache.get(options);
  if (!map) builtinCache.set(options, (map = new Map()));
  let detector = map.get(name);
  if (!detector) map.set(name, (detector = builtinDetector(name, options)));
  return detector;
}

/** Builds the scanner and per-detector strategies for an obligation's detector rules. */
export function compileDetectorSet(
  rules: readonly DetectorMaskRule[],
  custom: readonly CustomDetectorSpec[],
  options: StrategyOptions & { readonly detectors?: BuiltinDetectorOptions },
): DetectorSet | undefined {
  if (rules.length === 0) return undefined;
  const customByName = new Map(custom.map((c) => [c.name, c]));
  const chosen = new Map<string, DetectorMaskRule>();
  for (const r of rules) {
    const prev = chosen.get(r.detector);
    if (!prev || strategyRank(r.strategy.kind) > strategyRank(prev.strategy.kind)) chosen.set(r.detector, r);
  }
  const detectors: Detector[] = [];
  const maskers = new Map<string, { mask: StringMasker; rule: string }>();
  for (const [name, r] of chosen) {
    const spec = customByName.get(name);
    if (spec) detectors.push(cachedCustom(spec));
    else if (isBuiltinDetector(name)) detectors.push(cachedBuiltin(name, options.detectors ?? DEFAULT_OPTIONS));
    else {
      throw new MaskPlanError(
        `Rule "${r.rule}" names detector "${name}", which is neither built in nor defined under customDetectors.`,
      );
    }
    maskers.set(name, { mask: compileStrategy(r.strategy, options, r.rule), rule: r.rule });
  }
  return { scanner: createScanner(detectors), maskers };
}
