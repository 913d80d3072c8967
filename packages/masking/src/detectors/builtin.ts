import { awsAccessKeyDetector } from './aws-access-key.js';
import { awsSecretKeyDetector } from './aws-secret-key.js';
import { emailDetector } from './email.js';
import { githubTokenDetector } from './github-token.js';
import { gitlabTokenDetector } from './gitlab-token.js';
import { googleApiKeyDetector } from './google-api-key.js';
import { highEntropyDetector, type HighEntropyOptions } from './high-entropy.js';
import { ibanDetector } from './iban.js';
import { ipv4Detector } from './ipv4.js';
import { ipv6Detector } from './ipv6.js';
import { jwtDetector } from './jwt.js';
import { paymentCardDetector } from './payment-card.js';
import { phoneDetector, type PhoneDetectorOptions } from './phone.js';
import { privateKeyDetector } from './private-key.js';
import { slackTokenDetector } from './slack-token.js';
import { stripeKeyDetector } from './stripe-key.js';
import type { Detector } from './types.js';
import { ukNinoDetector } from './uk-nino.js';
import { urlPasswordDetector } from './url-password.js';
import { usSsnDetector } from './us-ssn.js';

/** Every built-in detector name; policy's list must match it. */
export const BUILTIN_DETECTORS = [
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
export type BuiltinDetectorName = (typeof BUILTIN_DETECTORS)[number];

export interface BuiltinDetectorOptions {
  readonly phone?: PhoneDetectorOptions;
  readonly highEntropy?: HighEntropyOptions;
}

const FACTORIES: Readonly<Record<BuiltinDetectorName, (o: BuiltinDetectorOptions) => Detector>> = {
  email: () => emailDetector(),
  phone: (o) => phoneDetector(o.phone),
  credit_card: () => paymentCardDetector(),
  iban: () => ibanDetector(),
  us_ssn: () => usSsnDetector(),
  uk_nino: () => ukNinoDetector(),
  ipv4: () => ipv4Detector(),
  ipv6: () => ipv6Detector(),
  aws_access_key: () => awsAccessKeyDetector(),
  aws_secret_key: () => awsSecretKeyDetector(),
  github_token: () => githubTokenDetector(),
  gitlab_token: () => gitlabTokenDetector(),
  slack_token: () => slackTokenDetector(),
  stripe_key: () => stripeKeyDetector(),
  google_api_key: () => googleApiKeyDetector(),
  jwt: () => jwtDetector(),
  private_key: () => privateKeyDetector(),
  url_password: () => urlPasswordDetector(),
  high_entropy: (o) => highEntropyDetector(o.highEntropy),
};

export function isBuiltinDetector(name: string): name is BuiltinDetectorName {
  return Object.hasOwn(FACTORIES, name);
}

/** One built-in detector by name. */
export function builtinDetector(name: BuiltinDetectorName, options: BuiltinDetectorOptions = {}): Detector {
  return FACTORIES[name](options);
}

/** The default set: every built-in except the opt-in ones (high_entropy). */
export function defaultDetectors(options: BuiltinDetectorOptions = {}): Detector[] {
  return BUILTIN_DETECTORS.map((name) => FACTORIES[name](options)).filter((d) => !d.optIn);
}
