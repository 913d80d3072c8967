import { GatehouseError } from '@gatehouse/core';

/** The command line itself was wrong: exit 2 with the message and a pointer to --help. */
export class UsageError extends GatehouseError {
  constructor(message: string) {
    super('cli.usage', message);
  }
}
