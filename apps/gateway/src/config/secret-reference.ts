/**
 * Secrets are written by reference so configuration files can be committed: `${env:NAME}` (an
 * environment variable) or `${file:./path}` (a file's content, trimmed; relative to the config
 * file). Anything else is a literal value.
 */
export type SecretReference =
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'literal'; readonly value: string };

const REFERENCE = /^\$\{([a-z]+):(.*)\}$/s;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses a secret value; a `${…}` that is not a valid reference returns a problem, never a literal. */
export function parseSecretReference(text: string): SecretReference | { readonly problem: string } {
  if (!text.startsWith('${')) return { kind: 'literal', value: text };
  const match = REFERENCE.exec(text);
  const usage = 'write ${env:NAME} or ${file:./path}';
  if (!match) return { problem: `malformed secret reference; ${usage}` };
  const [, kind, body = ''] = match;
  if (kind === 'env') {
    return ENV_NAME.test(body) ? { kind: 'env', name: body } : { problem: `"${body}" is not an environment variable name; ${usage}` };
  }
  if (kind === 'file') return body.trim() === '' ? { problem: `\${file:} needs a path; ${usage}` } : { kind: 'file', path: body.trim() };
  return { problem: `unknown secret source "${kind}"; ${usage}` };
}
