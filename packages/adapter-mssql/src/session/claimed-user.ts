/**
 * The user a client claims. LOGIN7 names it; a FEDAUTH client (tedious
 * `azure-active-directory-access-token`) sends only its access token, so the claim is the token's
 * unverified `sub` — the authenticator then verifies the token and insists that the identity it
 * proves is that user, so reading it first grants nothing. Undefined: nothing to claim.
 */
export function claimedUser(loginUser: string, credential: { readonly kind: 'password' | 'fedauth'; readonly token: string }): string {
  if (loginUser !== '' || credential.kind !== 'fedauth') return loginUser;
  const payload = credential.token.split('.')[1];
  if (payload === undefined || payload.length > 16_384) return '';
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const sub = typeof claims === 'object' && claims !== null ? (claims as { sub?: unknown }).sub : undefined;
    return typeof sub === 'string' ? sub.slice(0, 256) : '';
  } catch {
    return '';
  }
}
