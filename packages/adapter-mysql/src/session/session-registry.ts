/**
 * The gateway sessions of one listener, by the connection id their clients were shown (the upstream
 * thread id). `KILL <id>` and COM_PROCESS_KILL are let through only for an id in here that belongs
 * to the same principal: the gateway's upstream account could otherwise kill any of its threads,
 * including other people's sessions.
 */
export class SessionRegistry {
  readonly #owners = new Map<number, string>();

  register(connectionId: number, principalId: string): void {
    this.#owners.set(connectionId, principalId);
  }

  unregister(connectionId: number): void {
    this.#owners.delete(connectionId);
  }

  /** True when `principalId` may kill (the statement of) connection `connectionId`. */
  mayKill(principalId: string, connectionId: number): boolean {
    return this.#owners.get(connectionId) === principalId;
  }
}
