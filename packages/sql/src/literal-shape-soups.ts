import { seeded } from './rewrite/test-filters.js';

/**
 * Seeded fragment soups for the literal-shape scans' differential tests (tests only). Each of
 * `templates` templates glues 1–12 fragments, some of them literal slots, and is filled three
 * ways from `literals` (the same shape with other literals), sometimes ending in `;`. `check` gets
 * every text with the result of a text it accepted lately (one of the last 8, often the same
 * template's: an equal shape, or one literal apart) to compare against, and returns what to
 * remember of the text, or undefined when the scan left it to the full path. Returns how many
 * texts `check` accepted.
 */
export function checkFragmentSoups<T>(
  seed: number,
  templates: number,
  fragments: readonly string[],
  literals: readonly string[],
  check: (text: string, previous: T | undefined) => T | undefined,
): number {
  const random = seeded(seed);
  const pick = <V>(items: readonly V[]): V => items[Math.floor(random() * items.length)]!;
  const accepted: T[] = [];
  for (let n = 0; n < templates; n++) {
    const template = Array.from({ length: 1 + Math.floor(random() * 12) }, () => (random() < 0.3 ? undefined : pick(fragments)));
    const glue = Array.from(template, () => (random() < 0.5 ? '' : pick([' ', ' ', '\n', '  '])));
    for (let fill = 0; fill < 3; fill++) {
      const text = template.map((fragment, i) => (fragment ?? pick(literals)) + glue[i]).join('') + (random() < 0.2 ? ';' : '');
      const previous = accepted.length > 0 ? accepted[Math.floor(random() * Math.min(accepted.length, 8)) + Math.max(0, accepted.length - 8)] : undefined;
      const result = check(text, previous);
      if (result !== undefined) accepted.push(result);
    }
  }
  return accepted.length;
}
