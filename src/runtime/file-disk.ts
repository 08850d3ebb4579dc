// The Disk of src/core/storage.ts on real files in one directory (the
// node's RAFT_DATA_DIR). Durability: `sync` is fsync(2) on the file; a file
// replaced whole is written to a temporary name, fsynced, renamed over the
// old one, and the directory is fsynced, so a crash leaves the old file or
// the new one, never a mix. Guarantee as strong as the filesystem's fsync.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, ftruncateSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Disk } from '../core/storage.js';

export class FileDisk implements Disk {
  private readonly fds = new Map<string, number>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private fd(name: string): number {
    let fd = this.fds.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.dir, name), 'a');
      this.fds.set(name, fd);
    }
    return fd;
  }

  read(name: string): Uint8Array | undefined {
    const p = join(this.dir, name);
    return existsSync(p) ? readFileSync(p) : undefined;
  }

  append(name: string, data: Uint8Array): void {
    const fd = this.fd(name);
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  }

  sync(name: string): void {
    fsyncSync(this.fd(name));
  }

  truncate(name: string, size: number): void {
    ftruncateSync(this.fd(name), size);
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
    const old = this.fds.get(name);
    if (old !== undefined) {
      closeSync(old);
      this.fds.delete(name);
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
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
