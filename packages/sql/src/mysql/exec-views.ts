import type { StatementRange } from '../lexer/statement-ranges.js';
import type { Token } from '../lexer/token.js';

/**
 * Oldest server the gateway supports (MySQL 5.7.0; every MariaDB 10+ reports a higher number):
 * comments gated at or below it run on every supported server, so they are not doubtful.
 */
export const MIN_SERVER_VERSION = 50700;

interface ExecComment {
  /** Token indexes (into the full token list) of the markers. */
  readonly start: number;
  readonly end: number;
  /** `/*M!`: MariaDB runs it, MySQL treats it as a plain comment. */
  readonly maria: boolean;
  /** `/*!50700`: run only when the server version is at least this; null = always. */
  readonly version: number | null;
}

/**
 * The token views a server may execute for a statement with executable comments. `/*!` without
 * a version always runs; a versioned one runs only on new-enough servers, and `/*M!` only on
 * MariaDB. A server's version is one number, so the possible views are: for MySQL and for
 * MariaDB, every version threshold (all off … all on). Each view is the set of token indexes
 * whose content is dropped. Null when a marker has no partner in the range (a `;` inside an
 * executable comment): statement boundaries then depend on the server, so the caller fails closed.
 */
export function executableViews(tokens: readonly Token[], range: StatementRange, text: string): Array<ReadonlySet<number>> | null {
  const comments: ExecComment[] = [];
  let open = -1;
  for (let i = range.firstToken; i < range.endToken; i++) {
    const kind = tokens[i]!.kind;
    if (kind === 'exec-comment-start') {
      if (open >= 0) return null;
      open = i;
    } else if (kind === 'exec-comment-end') {
      if (open < 0) return null;
      const marker = text.slice(tokens[open]!.start, tokens[open]!.end);
      const digits = marker.slice(marker.indexOf('!') + 1);
      const version = digits && Number(digits) > MIN_SERVER_VERSION ? Number(digits) : null;
      comments.push({ start: open, end: i, maria: marker.startsWith('/*M'), version });
      open = -1;
    }
  }
  if (open >= 0) return null;

  const thresholds = [-1, ...new Set(comments.map((c) => c.version ?? -1)), Number.POSITIVE_INFINITY];
  const views = new Map<string, Set<number>>();
  for (const mariadb of [false, true]) {
    for (const threshold of thresholds) {
      const dropped = new Set<number>();
      for (const comment of comments) {
        const runs = (mariadb || !comment.maria) && (comment.version === null || comment.version <= threshold);
        if (!runs) for (let i = comment.start + 1; i < comment.end; i++) dropped.add(i);
      }
      views.set([...dropped].join(','), dropped);
    }
  }
  return [...views.values()];
}
