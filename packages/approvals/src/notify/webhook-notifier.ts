import type { NoticeContext } from './webhook-payloads.js';
import { jsonPayload, slackPayload } from './webhook-payloads.js';

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface WebhookTarget {
  readonly url: string;
  readonly format: WebhookFormat;
  /** Extra headers (an Authorization for a generic receiver). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WebhookFailure {
  readonly url: string;
  readonly approvalId: string;
  readonly attempts: number;
  readonly error: string;
  /** true once every retry failed and the notice was dropped. */
  readonly final: boolean;
}

export interface WebhookNotifierOptions {
  readonly targets: readonly WebhookTarget[];
  /** Attempts after the first (default 4). */
  readonly retries?: number;
  /** First backoff; doubles each retry, with jitter (default 500 ms). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Per attempt (default 5 s). */
  readonly timeoutMs?: number;
  readonly adminUrl?: string;
  /** Every failed attempt (final or not): log it. Never thrown to the caller. */
  readonly onFailure?: (failure: WebhookFailure) => void;
  readonly fetch?: typeof fetch;
}

export interface WebhookStats {
  readonly sent: number;
  readonly failedAttempts: number;
  readonly dropped: number;
  readonly inFlight: number;
  readonly lastError?: string;
}

/**
 * Sends approval notices to webhooks in the background: `notify` returns at once and never throws,
 * so a slow or broken receiver can never hold up a statement. Failed posts are retried with
 * exponential backoff; each failure is reported (logs) and counted (stats, for /readyz and metrics).
 */
export class WebhookNotifier {
  readonly #options: WebhookNotifierOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #sent = 0;
  #failedAttempts = 0;
  #dropped = 0;
  #lastError: string | undefined;
  #closed = false;

  constructor(options: WebhookNotifierOptions) {
    this.#options = options;
  }

  notify(context: NoticeContext): void {
    if (this.#closed) return;
    const full = this.#options.adminUrl !== undefined && context.adminUrl === undefined ? { ...context, adminUrl: this.#options.adminUrl } : context;
    for (const target of this.#options.targets) {
      const delivery = this.#deliver(target, full).finally(() => this.#inFlight.delete(delivery));
      this.#inFlight.add(delivery);
    }
  }

  /** Resolves when every notice sent so far was delivered or dropped (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  stats(): WebhookStats {
    return {
      sent: this.#sent,
      failedAttempts: this.#failedAttempts,
      dropped: this.#dropped,
      inFlight: this.#inFlight.size,
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    };
  }

  /** Stops retrying; deliveries in progress finish their current attempt. */
  close(): void {
    this.#closed = true;
  }

  async #deliver(target: WebhookTarget, context: NoticeContext): Promise<void> {
    const body = JSON.stringify(target.format === 'slack' ? slackPayload(context) : jsonPayload(context));
    const retries = this.#options.retries ?? 4;
    const doFetch = this.#options.fetch ?? fetch;
    let backoff = this.#options.backoffMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      let error: string;
      try {
        const response = await doFetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'gatehouse-approvals', ...target.headers },
          body,
          signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.#sent++;
          return;
        }
        error = `HTTP ${response.status}`;
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
      }
      this.#failedAttempts++;
      this.#lastError = `${redactUrl(target.url)}: ${error}`;
      const final = attempt > retries || this.#closed;
      if (final) this.#dropped++;
      this.#options.onFailure?.({ url: redactUrl(target.url), approvalId: context.request.id, attempts: attempt, error, final });
      if (final) return;
      const jitter = 0.5 + Math.random() / 2;
      await new Promise((resolve) => setTimeout(resolve, backoff * jitter).unref());
      backoff = Math.min(backoff * 2, this.#options.maxBackoffMs ?? 30_000);
    }
  }
}

/** Slack webhook URLs are secrets (the path is the credential): logs show the host only. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return '(invalid url)';
  }
}
