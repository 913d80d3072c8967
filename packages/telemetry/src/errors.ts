import { GatehouseError } from '@gatehouse/core';

/** A telemetry setting (config section or OTEL_* variable) that cannot be used; says which and why. */
export class TelemetryConfigError extends GatehouseError {
  constructor(message: string) {
    super('telemetry.config', message);
  }
}
