import { GatehouseError } from '@gatehouse/core';

/**
 * A command on a filtered collection that the gateway cannot limit to the rows policy allows, with
 * certainty: it is refused (code 13) naming the rule. The message names fields and stages, never a
 * value from the filter or the command.
 */
export class RowFilterRefusal extends GatehouseError {
  readonly rule: string;

  constructor(rule: string, message: string) {
    super('MONGO_ROW_FILTER_REFUSED', message);
    this.rule = rule;
  }
}
