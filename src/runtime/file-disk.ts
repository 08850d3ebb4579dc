// The Disk of src/core/storage.ts on real files in one directory (the
// node's RAFT_DATA_DIR). Durability: `sync` is fdatasync(2) on the file; a
// file replaced whole is written to a temporary name, fsynced, renamed over
// the old one, and the directory is fsynced, so a crash leaves the old file
// or the new one, never a mix; a file created by an append gets its
// directory fsynced once. Guarantee as strong as the filesystem's.
//
// Preallocation (as etcd's WAL does): a file that is appended to is written
// ahead with zero bytes, `preallocateBytes` at a time, and records are
// written into that space. The file's size then changes only once per step,
// so the fdatasync after an append flushes the data alone, with no journal
// commit for the size: cheaper in time and in CPU. `read` returns a file without its trailing zero bytes, so no
// content a caller stores may end with a zero byte: the storage's records
// end with their JSON payload's `}`, node.json with a newline. After a crash
// the zeros past the last record read as nothing, a torn record as a torn
// tail (cut off by the storage, which then truncates here).

import { closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Disk } from '../core/storage.js';

/** An open file: where its content ends, and how far it is written (content, then zeros). */
interface OpenFile {
  readonly fd: number;
  end: number;
  size: number;
}

export const PREALLOCATE_BYTES = 1 << 20;

export class FileDisk implements Disk {
  private readonly files = new Map<string, OpenFile>();

  constructor(
    readonly dir: string,
    private readonly preallocateBytes = PREALLOCATE_BYTES,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private file(name: string): OpenFile {
    let f = this.files.get(name);
    if (f === undefined) {
      const path = join(this.dir, name);
      const created = !existsSync(path);
      const fd = openSync(path, created ? 'w+' : 'r+');
      if (created) this.syncDir();
      const size = fstatSync(fd).size;
      f = { fd, end: contentEnd(fd, size), size };
      this.files.set(name, f);
    }
    return f;
  }

  read(name: string): Uint8Array | undefined {
    const p = join(this.dir, name);
    if (!existsSync(p)) return undefined;
    const data = readFileSync(p);
    let end = data.length;
    while (end > 0 && data[end - 1] === 0) end--;
    return data.subarray(0, end);
  }

  append(name: string, data: Uint8Array): void {
    const f = this.file(name);
    if (f.end + data.length > f.size) {
      // Zeros up to the next step past what this append needs, then the
      // data into them: one size change (made durable by the next sync).
      const to = f.end + data.length + this.preallocateBytes;
      const zeros = new Uint8Array(Math.min(to - f.size, 1 << 20));
      for (let at = f.size; at < to; ) at += writeSync(f.fd, zeros, 0, Math.min(zeros.length, to - at), at);
      f.size = to;
    }
    let off = 0;
    while (off < data.length) off += writeSync(f.fd, data, off, data.length - off, f.end + off);
    f.end += data.length;
  }

  sync(name: string): void {
    fdatasyncSync(this.file(name).fd);
  }

  truncate(name: string, size: number): void {
    const f = this.file(name);
    ftruncateSync(f.fd, size);
    f.end = size;
    f.size = size;
  }

  replace(name: string, data: Uint8Array): void {
    const tmp = join(this.dir, `${name}.tmp`);
    const fd = openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const old = this.files.get(name);
    if (old !== undefined) {
      closeSync(old.fd);
      this.files.delete(name);
    }
    renameSync(tmp, join(this.dir, name));
    this.syncDir();
  }

  private syncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    for (const f of this.files.values()) closeSync(f.fd);
    this.files.clear();
  }
}

/** Where a file's content ends: after its last non-zero byte (reading back from the end). */
function contentEnd(fd: number, size: number): number {
  const buf = new Uint8Array(64 * 1024);
  let end = size;
  while (end > 0) {
    const from = Math.max(0, end - buf.length);
    const n = end - from;
    let got = 0;
    while (got < n) {
      const r = readSync(fd, buf, got, n - got, from + got);
      if (r === 0) break;
      got += r;
    }
    for (let k = got - 1; k >= 0; k--) if (buf[k] !== 0) return from + k + 1;
    end = from;
  }
  return 0;
}
