// RAFT_LEADER_SYNC in the binary: parallel or before-send; anything else is
// refused with a warning naming the modes, and the default is kept.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/raft', import.meta.url));

const stderrWith = (value: string): string =>
  spawnSync(BIN, [], { env: { ...process.env, RAFT_LEADER_SYNC: value }, input: '', encoding: 'utf8', timeout: 20_000 }).stderr;

describe('RAFT_LEADER_SYNC', () => {
  it('accepts parallel and before-send, and warns about anything else', () => {
    for (const ok of ['parallel', 'before-send']) expect(stderrWith(ok)).not.toMatch(/RAFT_LEADER_SYNC/);
    expect(stderrWith('sometimes')).toMatch(/RAFT_LEADER_SYNC must be one of parallel, before-send; using parallel/);
  });
});
