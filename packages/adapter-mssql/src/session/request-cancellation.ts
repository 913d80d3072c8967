/**
 * The cancellation of one request's gate, created only when a gate asks for its signal: most gates
 * answer at once and never look, and an AbortController per request costs more than the decision.
 */
export class RequestCancellation {
  #controller: AbortController | undefined;
  #cancelled = false;

  /** The signal a gate may watch; aborted when the request is cancelled (Attention, session end). */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#cancelled && !this.#controller.signal.aborted) this.#controller.abort();
    return this.#controller.signal;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    this.#cancelled = true;
    this.#controller?.abort();
  }
}
