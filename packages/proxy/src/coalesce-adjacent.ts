/**
 * Messages forwarded unchanged are views into the chunk they arrived in, usually back to back:
 * merged into one view per run, a whole batch goes out as one write instead of one per message.
 * Views that touch in memory are merged whatever made them, which is still exactly their bytes in
 * order. Used by every adapter's relay.
 */
export function coalesceAdjacent(buffers: Buffer[]): void {
  let kept = 0;
  let i = 0;
  while (i < buffers.length) {
    const first = buffers[i]!;
    let end = first.byteOffset + first.length;
    let j = i + 1;
    while (j < buffers.length && buffers[j]!.buffer === first.buffer && buffers[j]!.byteOffset === end) {
      end += buffers[j]!.length;
      j++;
    }
    // One view per run (one allocation, not one per merge).
    buffers[kept++] = j === i + 1 ? first : Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
    i = j;
  }
  buffers.length = kept;
}
