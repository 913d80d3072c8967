// Character-code predicates shared by the hand-written scanners; cheaper than regex tests per char.

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

export function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

export function isAlpha(c: number): boolean {
  return isUpper(c) || isLower(c);
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || isUpper(c) || isLower(c);
}

/** ASCII word character, like regex `\w`. */
export function isWordChar(c: number): boolean {
  return isAlnum(c) || c === 95;
}

/** Base64 / base64url alphabet, including padding. */
export function isBase64Char(c: number): boolean {
  return isAlnum(c) || c === 43 || c === 47 || c === 61 || c === 45 || c === 95;
}

/** Shannon entropy in bits per character of text[start, end). */
export function shannonEntropy(text: string, start: number, end: number): number {
  const counts = new Map<number, number>();
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const n = end - start;
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Which of lower, upper and digit classes text[start, end) uses, as a count 0–3. */
export function classCount(text: string, start: number, end: number): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isLower(c)) lower = 1;
    else if (isUpper(c)) upper = 1;
    else if (isDigit(c)) digit = 1;
  }
  return lower + upper + digit;
}
