// The mutant runner: applies each mutant of test/mutants/mutants.ts alone to
// a copy of the tree and runs the fast suite against it; a mutant is killed
// when some test fails. `npm run mutants` runs them all (scripts/mutants.mjs
// bundles this file); test/mutants/mutants.test.ts runs a few in `npm test`.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mutant } from './mutants.js';

/** The fast suite: in-process tests only (no build, no child processes of the node binary). */
export const FAST_SUITE = [
  'test/unit',
  'test/machines',
  'test/mbt',
  'test/transcripts',
  'test/node/cluster.test.ts',
  'test/node/proxy-batch.test.ts',
  'test/node/batch-wait.test.ts',
  'test/node/answer-before-sync.test.ts',
  'test/node/leader-sync.test.ts',
  'test/sim/quick.test.ts',
] as const;

/** What the copy needs of the tree. */
const COPIED = ['package.json', 'tsconfig.json', 'vitest.config.ts', 'spec', 'machines', 'src', 'test'];

export type Applied = { ok: true; text: string } | { ok: false; problem: string };

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** The file's text with the mutant applied, or why its patch no longer applies. */
export function applyMutant(text: string, m: Mutant): Applied {
  let out = text;
  for (const [k, e] of [{ find: m.find, replace: m.replace }, ...(m.also ?? [])].entries()) {
    const n = count(out, e.find);
    if (n !== 1) return { ok: false, problem: `change ${k + 1}: its text occurs ${n} times in ${m.file} (must be once)` };
    if (e.find === e.replace) return { ok: false, problem: `change ${k + 1} changes nothing` };
    out = out.replace(e.find, () => e.replace);
  }
  return { ok: true, text: out };
}

/** A copy of the tree to mutate, with node_modules linked; `dispose` removes it. */
export function copyTree(root: string): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'raftchart-mutants-'));
  for (const p of COPIED) cpSync(join(root, p), join(dir, p), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface SuiteResult {
  readonly passed: boolean;
  /** The failing tests, as "file > name" (first ones first). */
  readonly failures: string[];
  readonly timedOut: boolean;
  readonly seconds: number;
  /** vitest's output when it produced no report (a crash). */
  readonly output?: string;
}

/** Runs vitest on `files` in `dir`, stopping at the first failure. */
export function runSuite(dir: string, files: readonly string[], timeoutMs = 180_000): Promise<SuiteResult> {
  const report = join(dir, '.mutant-report.json');
  rmSync(report, { force: true });
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(dir, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir, '--bail', '1', '--reporter', 'json', '--outputFile', report, ...files],
      // Its own process group, so that a timeout kills its workers too (a hung worker spins forever).
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, CI: '1', TRANSCRIPT_REWRITE: '' } },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Whatever the outcome, no worker of this run outlives it.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* the group is gone already */
      }
      const seconds = (performance.now() - t0) / 1000;
      const failures: string[] = [];
      if (existsSync(report)) {
        const r = JSON.parse(readFileSync(report, 'utf8')) as {
          testResults: { name: string; status: string; message?: string; assertionResults: { fullName: string; status: string }[] }[];
        };
        for (const f of r.testResults) {
          const file = f.name.startsWith(dir) ? f.name.slice(dir.length + 1) : f.name;
          for (const a of f.assertionResults) if (a.status === 'failed') failures.push(`${file} > ${a.fullName}`);
          if (f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed')) failures.push(`${file} (the file failed: ${(f.message ?? '').split('\n')[0]})`);
        }
      }
      const passed = code === 0 && !timedOut;
      if (!passed && failures.length === 0 && !timedOut) failures.push(`vitest exited ${code} without a failing test`);
      resolve({ passed, failures, timedOut, seconds, ...(passed || failures.length > 0 ? {} : { output }) });
    });
  });
}

export type Outcome =
  | { readonly kind: 'killed'; readonly by: string; readonly seconds: number }
  | { readonly kind: 'survived'; readonly seconds: number }
  | { readonly kind: 'not-applied'; readonly problem: string };

/** Applies `m` to the copy of the tree in `dir`, runs `files` there, and puts the file back. */
export async function runMutant(dir: string, m: Mutant, files: readonly string[], timeoutMs?: number): Promise<Outcome> {
  const original = readFileSync(join(dir, m.file), 'utf8');
  const applied = applyMutant(original, m);
  if (!applied.ok) return { kind: 'not-applied', problem: applied.problem };
  writeFileSync(join(dir, m.file), applied.text);
  try {
    const r = await runSuite(dir, files, timeoutMs);
    if (r.passed) return { kind: 'survived', seconds: r.seconds };
    return { kind: 'killed', by: r.timedOut ? 'a timeout (the suite hung)' : r.failures[0]!, seconds: r.seconds };
  } finally {
    writeFileSync(join(dir, m.file), original);
  }
}

/** The whole suite: one line per mutant, then `killed K of N`. Returns the exit status. */
export async function main(root: string, args: readonly string[], all: readonly Mutant[]): Promise<number> {
  if (args.includes('--list')) {
    for (const m of all) console.log(`${m.id.padEnd(34)} ${m.file}: ${m.why}`);
    return 0;
  }
  const chosen = args.filter((a) => !a.startsWith('--'));
  const unknown = chosen.filter((id) => !all.some((m) => m.id === id));
  if (unknown.length > 0) {
    console.error(`unknown mutants: ${unknown.join(', ')} (npm run mutants -- --list)`);
    return 2;
  }
  const mutants = chosen.length > 0 ? all.filter((m) => chosen.includes(m.id)) : all;
  const t0 = performance.now();
  const copy = copyTree(root);
  try {
    console.log(`fast suite: ${FAST_SUITE.join(' ')}`);
    const base = await runSuite(copy.dir, FAST_SUITE);
    if (!base.passed) {
      console.error(`the fast suite fails without any mutant (${base.failures.join('; ')}); fix that first${base.output ? `\n${base.output}` : ''}`);
      return 2;
    }
    // A mutant that makes the suite hang (an endless loop of eventless transitions, say) is killed by the timeout.
    const timeoutMs = Math.max(60, 3 * base.seconds) * 1000;
    console.log(`unmutated: passes in ${base.seconds.toFixed(1)} s; ${mutants.length} mutants, one at a time (timeout ${(timeoutMs / 1000).toFixed(0)} s)`);
    let killed = 0;
    const bad: string[] = [];
    for (const m of mutants) {
      const o = await runMutant(copy.dir, m, FAST_SUITE, timeoutMs);
      if (o.kind === 'killed') {
        killed++;
        console.log(`killed       ${m.id.padEnd(34)} ${o.seconds.toFixed(1).padStart(5)} s  by ${o.by}`);
      } else if (o.kind === 'survived') {
        bad.push(m.id);
        console.log(`SURVIVED     ${m.id.padEnd(34)} ${o.seconds.toFixed(1).padStart(5)} s  (${m.file}: ${m.why})`);
      } else {
        bad.push(m.id);
        console.log(`NOT APPLIED  ${m.id.padEnd(34)}          ${o.problem}: update test/mutants/mutants.ts`);
      }
    }
    const secs = (performance.now() - t0) / 1000;
    console.log(`killed ${killed} of ${mutants.length} in ${(secs / 60).toFixed(1)} min${bad.length > 0 ? `; not killed: ${bad.join(', ')}` : ''}`);
    return bad.length === 0 ? 0 : 1;
  } finally {
    copy.dispose();
  }
}
