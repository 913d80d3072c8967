import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { LocatedProblem, PolicyEngine } from '@gatehouse/core';
import { loadPolicy, loadPolicyFile } from '@gatehouse/policy';
import type { CompiledPolicy } from '@gatehouse/policy';
import type { PolicySource } from '@gatehouse/proxy';
import { ConfigLoadError } from '@gatehouse/yaml-config';

/** What one reload did: the new policy is in force, or the old one stayed and why. */
export type PolicyReload =
  | { readonly outcome: 'applied'; readonly file: string; readonly digest: string; readonly rules: number }
  | { readonly outcome: 'rejected'; readonly file: string; readonly problems: readonly LocatedProblem[] };

/**
 * The policy every session decides against, swappable at run time. A reload reads and compiles
 * the file completely before swapping, so a statement sees either the old policy or the new one,
 * never a mix; a file that does not load changes nothing (fail closed to the last good policy,
 * not to an empty one). Reloads run one at a time.
 */
export class ReloadablePolicy implements PolicySource {
  readonly file: string;
  #policy: CompiledPolicy;
  #digest: string;
  #reloading: Promise<PolicyReload> | undefined;

  private constructor(file: string, policy: CompiledPolicy, digest: string) {
    this.file = file;
    this.#policy = policy;
    this.#digest = digest;
  }

  /** Loads the file; throws its located problems, as the first start must not run without a policy. */
  static async load(file: string): Promise<ReloadablePolicy> {
    const { policy, digest } = await compile(file);
    return new ReloadablePolicy(file, policy, digest);
  }

  current(): PolicyEngine {
    return this.#policy;
  }

  get policy(): CompiledPolicy {
    return this.#policy;
  }

  /** SHA-256 of the file text in force, so replicas can be compared. */
  get digest(): string {
    return this.#digest;
  }

  /** Re-reads the file. A reload asked for while one runs waits for it, then runs (the file may have changed again). */
  reload(): Promise<PolicyReload> {
    const previous = this.#reloading ?? Promise.resolve(undefined);
    const next = previous.then(() => this.#reloadNow());
    this.#reloading = next;
    void next.finally(() => {
      if (this.#reloading === next) this.#reloading = undefined;
    });
    return next;
  }

  async #reloadNow(): Promise<PolicyReload> {
    try {
      const { policy, digest } = await compile(this.file);
      this.#policy = policy;
      this.#digest = digest;
      return { outcome: 'applied', file: this.file, digest, rules: policy.rules.length };
    } catch (error) {
      if (error instanceof ConfigLoadError) return { outcome: 'rejected', file: this.file, problems: error.problems };
      const reason = error instanceof Error ? error.message : String(error);
      return { outcome: 'rejected', file: this.file, problems: [{ file: this.file, line: 1, column: 1, message: `cannot read the policy file: ${reason}` }] };
    }
  }
}

async function compile(file: string): Promise<{ policy: CompiledPolicy; digest: string }> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  // Unreadable: the policy loader's own reader throws the located problem with a useful message.
  if (text === undefined) return { policy: await loadPolicyFile(file), digest: '' };
  return { policy: loadPolicy(text, file), digest: createHash('sha256').update(text).digest('hex') };
}
