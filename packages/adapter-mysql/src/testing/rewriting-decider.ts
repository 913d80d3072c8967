// Test-only: a decider that rewrites chosen statements, standing in for the row-filter rewrite so the
// adapter's forwarding of StatementOutcome.forwardText can be tested against a real server.
import type { PolicySource, SessionIdentity, StatementOutcome } from '@gatehouse/proxy';
import { SqlStatementDecider } from '@gatehouse/proxy';
import type { SqlClassifier } from '@gatehouse/sql';

/** The text to send upstream instead of `text`, or undefined to forward it unchanged. */
export type Rewrite = (text: string) => string | undefined;

export class RewritingDecider extends SqlStatementDecider {
  readonly #rewrite: Rewrite;

  constructor(classifier: SqlClassifier, policy: PolicySource, rewrite: Rewrite) {
    super(classifier, policy);
    this.#rewrite = rewrite;
  }

  override decide(identity: SessionIdentity, text: string): StatementOutcome {
    const outcome = super.decide(identity, text);
    const forwardText = this.#rewrite(text);
    return forwardText === undefined ? outcome : { ...outcome, forwardText };
  }
}
