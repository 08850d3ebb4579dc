// Splits a byte stream into lines, with a bound on line length so one huge
// line cannot exhaust memory. A line over the bound is dropped as it streams
// in; only its first bytes are kept, so that its sender can still be told.

/** How much of an oversize line is kept for finding its sender. */
export const OVERSIZE_HEAD_BYTES = 64 * 1024;

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private dropping = false;
  private head: Buffer | undefined;

  constructor(
    private readonly onLine: (line: string) => void,
    /** Called once per line over the bound, with its length and its first bytes. */
    private readonly onOversize: (bytes: number, head: string) => void = () => {},
    private readonly maxLine = 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      this.take(chunk.subarray(start, nl));
      this.finish();
      start = nl + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  }

  end(): void {
    if (this.size > 0 || this.dropping) this.finish();
  }

  private take(part: Buffer): void {
    this.size += part.length;
    if (this.dropping) return;
    if (this.size > this.maxLine) {
      this.dropping = true;
      const all = Buffer.concat([...this.parts, part]);
      this.head = Buffer.from(all.subarray(0, OVERSIZE_HEAD_BYTES));
      this.parts = [];
      return;
    }
    this.parts.push(part);
  }

  private finish(): void {
    if (this.dropping) {
      this.onOversize(this.size, this.head?.toString('utf8') ?? '');
    } else if (this.parts.length > 0) {
      const line = this.parts.length === 1 ? this.parts[0]!.toString('utf8') : Buffer.concat(this.parts).toString('utf8');
      // CRLF line endings: the CR is not part of the message.
      this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    this.parts = [];
    this.size = 0;
    this.dropping = false;
    this.head = undefined;
  }
}
