// The mutant suite's share of `npm test`: the list is well-formed and every
// patch still applies to the code it mutates (so the list is maintained, not
// silently skipped), and a few mutants are run against the test that must
// kill them. `npm run mutants` runs every mutant against the whole fast suite.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MUTANTS, type Mutant } from './mutants.js';
import { applyMutant, copyTree, runMutant, runSuite } from './runner.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the mutant list', () => {
  it('has at least 40 mutants, with unique ids and reasons', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(MUTANTS.map((m) => m.id)).size).toBe(MUTANTS.length);
    for (const m of MUTANTS) expect(m.why.length, m.id).toBeGreaterThan(10);
  });

  it('every patch applies exactly once to the current tree (else update test/mutants/mutants.ts)', () => {
    const problems: string[] = [];
    for (const m of MUTANTS) {
      const r = applyMutant(readFileSync(root + m.file, 'utf8'), m);
      if (!r.ok) problems.push(`${m.id}: ${r.problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('reports a patch that no longer applies, or applies twice', () => {
    const m: Mutant = { id: 'x', file: 'f.ts', find: 'a < b', replace: 'a <= b', why: 'a known-bad patch' };
    expect(applyMutant('a < b', m)).toEqual({ ok: true, text: 'a <= b' });
    expect(applyMutant('a<b', m)).toMatchObject({ ok: false, problem: expect.stringMatching(/occurs 0 times/) });
    expect(applyMutant('a < b; a < b', m)).toMatchObject({ ok: false, problem: expect.stringMatching(/occurs 2 times/) });
    expect(applyMutant('a < b', { ...m, also: [{ find: 'zz', replace: 'y' }] })).toMatchObject({ ok: false });
  });
});

// A few mutants the issue named, each against the one test file that must kill it.
const sample: Record<string, string> = {
  'chart-swap-targets': 'test/mbt',
  'proxy-expiry-definite-error': 'test/transcripts',
  'prevote-sets-votedFor': 'test/transcripts',
};

describe('a sample of the mutant suite', () => {
  const copy = copyTree(root);
  afterAll(() => copy.dispose());

  // Else every mutant would look killed. (The tests themselves pass on the tree: npm test runs them.)
  it('the unmutated copy passes the transcripts', { timeout: 120_000 }, async () => {
    const r = await runSuite(copy.dir, ['test/transcripts']);
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(true);
  });

  for (const [id, file] of Object.entries(sample)) {
    it(`${id} is killed by ${file}`, { timeout: 120_000 }, async () => {
      const m = MUTANTS.find((x) => x.id === id)!;
      const o = await runMutant(copy.dir, m, [file]);
      expect(o.kind, JSON.stringify(o)).toBe('killed');
    });
  }
});
