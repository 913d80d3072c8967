export {
  IdentityError,
  TokenMalformedError,
  TokenExpiredError,
  TokenAudienceError,
  TokenIssuerError,
  TokenSignatureError,
  TokenKeyNotFoundError,
  TokenAlgorithmError,
  TokenNotYetValidError,
  TokenClaimsError,
  UnknownAgentTokenError,
  TokenRevokedError,
  IdentityMismatchError,
  CredentialNotAcceptedError,
  OidcUnavailableError,
  AuthRateLimitedError,
  IdentityConfigError,
  SigningKeyError,
  AgentTokenStoreError,
} from './errors.js';
export { ATTRIBUTE_LIMITS, ATTRIBUTE_NAME, RESERVED_ATTRIBUTE_NAMES, attributeNameProblem, checkAttributes } from './attributes.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { ttlToSeconds } from './duration.js';
export type { Ttl } from './duration.js';
export { loadOrCreateSigningKey } from './signing-key.js';
export type { SigningKey } from './signing-key.js';
export {
  issueGatewayToken,
  createGatewayTokenVerifier,
  DEFAULT_GATEWAY_ISSUER,
  DEFAULT_GATEWAY_AUDIENCE,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
} from './gateway-token.js';
export type {
  IssueGatewayTokenOptions,
  GatewayTokenAttributes,
  GatewayTokenVerifier,
  GatewayTokenVerifierOptions,
} from './gateway-token.js';
export { createOidcVerifier, OIDC_ACCEPTABLE_ALGORITHMS, OIDC_DEFAULT_ALGORITHMS } from './oidc-verifier.js';
export type { OidcVerifier, OidcVerifierOptions } from './oidc-verifier.js';
export { discoverJwksUri, discoveryUrl } from './oidc-discovery.js';
export { AGENT_TOKEN_PREFIX, parseAgentToken } from './agent-token-format.js';
export type { AgentTokenParts } from './agent-token-format.js';
export { AgentTokenStore } from './agent-token-store.js';
export type {
  AgentTokenRecord,
  AgentTokenInfo,
  AgentTokenStoreOptions,
  CreateAgentTokenOptions,
  CreatedAgentToken,
} from './agent-token-store.js';
export { createAuthRateLimiter } from './rate-limiter.js';
export type { AuthRateLimiter, AuthRateLimiterOptions, AuthAttempt } from './rate-limiter.js';
export { clientAddressKey } from './client-address.js';
export { credentialShape, MAX_CREDENTIAL_LENGTH } from './credential-shape.js';
export type { CredentialShape } from './credential-shape.js';
export { createAuthenticator } from './authenticator.js';
export type { Authenticator, AuthenticatorOptions, AuthenticationRequest } from './authenticator.js';
