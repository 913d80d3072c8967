import { GatehouseError } from '@gatehouse/core';
import type { ParsedOptions } from './parse-options.js';
import { optionalOption } from './parse-options.js';
import { UsageError } from './usage-error.js';

export class AdminRequestError extends GatehouseError {
  constructor(status: number, code: string, message: string) {
    super(code, `${message} (HTTP ${status})`);
  }
}

/** The admin API as the CLI talks to it: --url/--token, or GATEHOUSE_ADMIN_URL/GATEHOUSE_ADMIN_TOKEN. */
export interface AdminClient {
  request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
}

export function adminClientFrom(values: ParsedOptions['values'], env: NodeJS.ProcessEnv = process.env): AdminClient {
  const url = optionalOption(values, 'url') ?? env['GATEHOUSE_ADMIN_URL'];
  const token = optionalOption(values, 'token') ?? env['GATEHOUSE_ADMIN_TOKEN'];
  if (!url) throw new UsageError('give the admin API with --url (or GATEHOUSE_ADMIN_URL), e.g. --url http://127.0.0.1:8081');
  if (!token) throw new UsageError('give an admin token with --token (or GATEHOUSE_ADMIN_TOKEN): gatehouse token issue … --attr roles=approver');
  const base = url.replace(/\/$/, '');
  return {
    async request(method, path, body) {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (error) {
        throw new AdminRequestError(0, 'admin.unreachable', `cannot reach the admin API at ${base}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const json = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
      if (!response.ok) throw new AdminRequestError(response.status, json.error ?? 'admin.error', json.message ?? response.statusText);
      return json;
    },
  };
}

export const ADMIN_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;
