import { text } from '@gatehouse/yaml-config';
import { parseCidr } from './cidr.js';
import { globProblem } from './glob.js';

// Policy-only schema helpers; the generic ones (strictMap, oneOf, text, …) live in @gatehouse/yaml-config.

export function glob(what: string) {
  return text(what).superRefine((value, context) => {
    const problem = globProblem(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });
}

export function cidr(what: string) {
  return text(what).superRefine((value, context) => {
    if (parseCidr(value) === undefined) {
      context.addIssue({
        code: 'custom',
        message: `bad CIDR "${value}" in ${what}; write an address with an optional prefix length, e.g. 10.0.0.0/8 or 2001:db8::/32`,
      });
    }
  });
}
