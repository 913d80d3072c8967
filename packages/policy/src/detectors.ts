/** Detector names the masking package provides; policy refuses anything else unless defined in the file. */
export const BUILT_IN_DETECTORS = [
  'email',
  'phone',
  'credit_card',
  'iban',
  'us_ssn',
  'uk_nino',
  'ipv4',
  'ipv6',
  'aws_access_key',
  'aws_secret_key',
  'github_token',
  'gitlab_token',
  'slack_token',
  'stripe_key',
  'google_api_key',
  'jwt',
  'private_key',
  'url_password',
  'high_entropy',
] as const;
export type BuiltInDetector = (typeof BUILT_IN_DETECTORS)[number];
