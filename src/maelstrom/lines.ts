// Splits a byte stream into lines, with a bound on line length so one huge
// line cannot exhaust memory.

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private dropping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOversize: (bytes: number) => void = () => {},
    private readonly maxLine = 64 * 1024 * 1024,
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
    if (this.dropping) {
      this.size += part.length;
      return;
    }
    this.size += part.length;
    if (this.size > this.maxLine) {
      this.dropping = true;
      this.parts = [];
      return;
    }
    this.parts.push(part);
  }

  private finish(): void {
    if (this.dropping) {
      this.onOversize(this.size);
    } else if (this.parts.length > 0) {
      const line = this.parts.length === 1 ? this.parts[0]!.toString('utf8') : Buffer.concat(this.parts).toString('utf8');
      this.onLine(line);
    }
    this.parts = [];
    this.size = 0;
    this.dropping = false;
  }
}
