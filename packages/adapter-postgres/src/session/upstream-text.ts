/**
 * The statement text the upstream gets: the decision's rewrite (row filters) when there is one,
 * never the client's original then, plus the W3C trace context as a trailing sqlcommenter comment.
 */

/** `version-traceid-parentid-flags`, lower-case hex only: nothing else is ever spliced into SQL. */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value);
}

/**
 * The text to send, or undefined when the client's own bytes can go as they are. A traceparent
 * that is not well-formed is left out: the statement runs without trace context.
 */
export function upstreamText(clientText: string, forwardText: string | undefined, traceparent: string | undefined): string | undefined {
  const comment = traceparent !== undefined && isTraceparent(traceparent) ? `/*traceparent='${traceparent}'*/` : undefined;
  if (comment === undefined) return forwardText;
  const text = forwardText ?? clientText;
  // After a trailing `--` comment a space would put ours inside it; a new line ends that comment.
  const lastLine = text.slice(text.lastIndexOf('\n') + 1);
  return `${text}${lastLine.includes('--') ? '\n' : ' '}${comment}`;
}
