/**
 * A bounded tail of a byte stream: keeps at most `limit` bytes however much flows through, so
 * 100 MB of output costs a few KiB of memory.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  /** @param limit the maximum number of bytes kept. */
  constructor(private readonly limit: number) {}

  /** Append a chunk, dropping the oldest bytes beyond the limit. */
  push(chunk: Buffer): void {
    if (this.limit <= 0) return;
    if (chunk.length >= this.limit) {
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.limit))];
      this.size = this.limit;
      this.truncated = true;
      return;
    }
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
    while (this.size > this.limit) {
      const first = this.chunks[0];
      if (!first) break;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
      this.truncated = true;
    }
  }

  /** The tail as text; when bytes were dropped, starts at the first whole line (if there is one). */
  text(): string {
    let text = Buffer.concat(this.chunks).toString('utf8');
    if (this.truncated) {
      const newline = text.indexOf('\n');
      if (newline >= 0 && newline < text.length - 1) text = text.slice(newline + 1);
      // A multi-byte character cut at the start decodes as U+FFFD: drop it.
      text = text.replace(/^\uFFFD+/, '');
    }
    return text;
  }
}
