/**
 * SASLprep (RFC 4013) for SCRAM-SHA-256 passwords, as MongoDB drivers apply it: non-ASCII spaces
 * become U+0020, "commonly mapped to nothing" characters are removed, the result is NFKC-normalised,
 * and prohibited characters (controls, private use, surrogates, non-characters) are refused. ASCII
 * passwords — the common case — pass through unchanged. Bidirectional text is refused rather than
 * checked against RFC 3454's rules.
 */
type Range = readonly [number, number];

const NON_ASCII_SPACE: readonly Range[] = [[0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000]];
const MAPPED_TO_NOTHING: readonly Range[] = [
  [0xad, 0xad], [0x34f, 0x34f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200c, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];
const PROHIBITED: readonly Range[] = [
  [0x0, 0x1f], [0x7f, 0x9f], [0x340, 0x341], [0x200e, 0x200f], [0x202a, 0x202e], [0x206a, 0x206f], [0xe000, 0xf8ff], [0xfff9, 0xfffd], [0xd800, 0xdfff],
  [0xf0000, 0x10ffff],
];
const RIGHT_TO_LEFT: readonly Range[] = [[0x590, 0x8ff], [0xfb1d, 0xfdff], [0xfe70, 0xfefc]];

function inRanges(codePoint: number, ranges: readonly Range[]): boolean {
  return ranges.some(([low, high]) => codePoint >= low && codePoint <= high);
}

export function saslprep(input: string): string {
  if (/^[\x20-\x7e]*$/.test(input)) return input;
  let mapped = '';
  for (const char of input) {
    const codePoint = char.codePointAt(0)!;
    if (inRanges(codePoint, MAPPED_TO_NOTHING)) continue;
    mapped += inRanges(codePoint, NON_ASCII_SPACE) ? ' ' : char;
  }
  const normalised = mapped.normalize('NFKC');
  for (const char of normalised) {
    const codePoint = char.codePointAt(0)!;
    if (inRanges(codePoint, PROHIBITED)) throw new RangeError('the password contains a character SASLprep prohibits');
    if (inRanges(codePoint, RIGHT_TO_LEFT)) throw new RangeError('passwords with right-to-left text are not supported for SCRAM-SHA-256');
  }
  return normalised;
}
