import { AUTH_MORE_DATA_HEADER, AUTH_SWITCH_HEADER } from '../constants.js';
import { PayloadCursor } from '../cursor.js';
import { PayloadWriter } from '../writer.js';

/** AuthSwitchRequest: the server asks for another plugin (and gives its scramble). */
export interface AuthSwitchRequest {
  readonly pluginName: string;
  readonly pluginData: Buffer;
}

export function decodeAuthSwitchRequest(payload: Buffer): AuthSwitchRequest {
  const c = new PayloadCursor(payload, 'AuthSwitchRequest');
  if (c.int1('header') !== AUTH_SWITCH_HEADER) c.fail('header is not 0xfe');
  // An old-style switch (no plugin name) means mysql_old_password, which the gateway never speaks.
  const pluginName = c.remaining > 0 ? c.nulBytesOrRest().toString('utf8') : 'mysql_old_password';
  let pluginData = c.rest();
  if (pluginData.length > 0 && pluginData[pluginData.length - 1] === 0) pluginData = pluginData.subarray(0, pluginData.length - 1);
  return { pluginName, pluginData: Buffer.from(pluginData) };
}

export function encodeAuthSwitchRequest(request: AuthSwitchRequest, sequenceId: number): Buffer {
  return new PayloadWriter().int1(AUTH_SWITCH_HEADER).nulString(request.pluginName).bytes(request.pluginData).int1(0).packet(sequenceId);
}

/** AuthMoreData: extra data from the server inside one plugin's exchange (0x01 + data). */
export function decodeAuthMoreData(payload: Buffer): Buffer {
  const c = new PayloadCursor(payload, 'AuthMoreData');
  if (c.int1('header') !== AUTH_MORE_DATA_HEADER) c.fail('header is not 0x01');
  return Buffer.from(c.rest());
}

export function encodeAuthMoreData(data: Uint8Array, sequenceId: number): Buffer {
  return new PayloadWriter().int1(AUTH_MORE_DATA_HEADER).bytes(data).packet(sequenceId);
}

/** A client's auth data packet (AuthSwitchResponse and later plugin messages): the payload is the data. */
export function encodeAuthData(data: Uint8Array, sequenceId: number): Buffer {
  return new PayloadWriter().bytes(data).packet(sequenceId);
}

/** caching_sha2_password's AuthMoreData status bytes. */
export const CachingSha2 = {
  REQUEST_PUBLIC_KEY: 0x02,
  FAST_AUTH_SUCCESS: 0x03,
  PERFORM_FULL_AUTHENTICATION: 0x04,
} as const;
