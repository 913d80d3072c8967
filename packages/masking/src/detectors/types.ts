
/** A detected value: the half-open span [start, end) of the scanned text. */
export interface DetectorMatch {
  readonly start: number;
  readonly end: number;
  readonly detector: string;
}

/**
 * Finds one kind of sensitive value in text. `find` appends matches in any order and must run in
 * time linear in the text length: each detector anchors on a cheap trigger (indexOf or a bounded,
 * unambiguous regex) and validates candidates of bounded length.
 */
export interface Detector {
  readonly name: string;
  /** Opt-in detectors run only when named explicitly (e.g. high_entropy). */
  readonly optIn: boolean;
  /** A cheap pre-test: text that does not match it cannot contain a match. Absent = always run. */
  readonly trigger?: RegExp;
  find(text: string, out: DetectorMatch[]): void;
}
