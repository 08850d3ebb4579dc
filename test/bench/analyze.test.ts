// `raftchart analyze`: a stored run checked again, with the same verdict and
// exit status, or a different one when the history or the options change.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnalyzeCli } from '../../src/bench/analyze.js';
import { parseArgs } from '../../src/bench/options.js';
import { runTest } from '../../src/bench/runner.js';
import type { BenchResults, HistoryEvent } from '../../src/bench/types.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const root = mkdtempSync(join(tmpdir(), 'raftchart-analyze-test-'));
const store = join(root, 'store');
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function stored(args: string[]): Promise<{ dir: string; results: BenchResults }> {
  const r = parseArgs(['--store', store, ...args]);
  if (r.help) throw new Error('help');
  return runTest(r.options, true);
}

async function analyze(args: string[], cwd = root): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAnalyzeCli(args, { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } }, cwd);
  return { code, out: out.join(''), err: err.join('') };
}

let valid: { dir: string; results: BenchResults };
let invalid: { dir: string; results: BenchResults };
beforeAll(async () => {
  valid = await stored(['--bin', join(fixtures, 'forward-kv-node.mjs'), '--node-count', '3', '--concurrency', '2n', '--rate', '100', '--time-limit', '1', '--seed', '21']);
  invalid = await stored(['--bin', join(fixtures, 'local-kv-node.mjs'), '--node-count', '3', '--concurrency', '2n', '--rate', '100', '--time-limit', '1', '--seed', '22']);
  expect(valid.results.verdict).toBe('valid');
  expect(invalid.results.verdict).toBe('invalid');
}, 60_000);

describe('raftchart analyze', () => {
  it('re-checks a stored valid run: same verdict, exit 0', async () => {
    const r = await analyze([valid.dir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Everything looks good!/);
    expect(r.out).toContain(`operations: ${valid.results.stats.count}`);
    const saved = JSON.parse(readFileSync(join(valid.dir, 'results.json'), 'utf8')) as BenchResults;
    expect(saved.analyzed?.at).toBeTruthy();
    expect(saved.stats).toEqual(valid.results.stats);
    expect(saved.net).toEqual(valid.results.net); // kept from the run
  });

  it('re-checks a stored invalid run: same failing keys, exit 1, linear.svg and report rewritten', async () => {
    rmSync(join(invalid.dir, 'linear.svg'));
    rmSync(join(invalid.dir, 'index.html'));
    const r = await analyze([invalid.dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Analysis invalid!/);
    expect(r.out).toMatch(/\nInvalid: key \d+ is not linearizable: cannot linearise /);
    const saved = JSON.parse(readFileSync(join(invalid.dir, 'results.json'), 'utf8')) as BenchResults;
    expect(saved.linearizability.failures.map((f) => f.key)).toEqual(invalid.results.linearizability.failures.map((f) => f.key));
    expect(existsSync(join(invalid.dir, 'linear.svg'))).toBe(true);
    expect(readFileSync(join(invalid.dir, 'index.html'), 'utf8')).toContain('id="analyzed"');
  });

  it('defaults to store/latest, and finds an anomaly planted in a stored history', async () => {
    // store/latest is the invalid run (written last); plant a stale read in the valid one instead.
    const h = readFileSync(join(valid.dir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HistoryEvent);
    const reads = h.filter((e) => e.type === 'ok' && e.f === 'read' && e.value !== null);
    const victim = reads[reads.length - 1]!;
    victim.value = ((victim.value as number) + 1) % 5;
    writeFileSync(join(valid.dir, 'history.jsonl'), h.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const invoked = h.filter((e) => e.type === 'invoke' && e.process === victim.process && e.index < victim.index).pop()!;
    const r = await analyze([valid.dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`\\nInvalid: key \\d+ is not linearizable: cannot linearise .*read ${victim.value as number} .*\\[history #${invoked.index}\\]`));
    const latest = await analyze([]);
    expect(latest.err).toContain(join(store, 'latest'));
    expect(latest.code).toBe(1);
  });

  it('takes new checker options: an availability goal can fail a valid history', async () => {
    const clean = await stored(['--bin', join(fixtures, 'forward-kv-node.mjs'), '--node-count', '3', '--concurrency', '2n', '--rate', '100', '--time-limit', '1', '--seed', '23']);
    expect((await analyze([clean.dir])).code).toBe(0);
    const r = await analyze([clean.dir, '--availability', 'total']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/availability [\d.]+ is below the required total/);
    const saved = JSON.parse(readFileSync(join(clean.dir, 'results.json'), 'utf8')) as BenchResults;
    expect(saved.analyzed?.changed).toEqual({ availability: 'total' });
    expect((await analyze([clean.dir, '--availability', 'none'])).code).toBe(0);
  });

  it('re-checks a txn-list-append run under another consistency model', async () => {
    const run = await stored([
      '-w', 'txn-list-append', '--bin', join(fixtures, 'primary-backup-node.mjs'), '--node-count', '3', '--concurrency', '2n', '--rate', '100', '--time-limit', '1.5', '--seed', '24',
    ]);
    expect(run.results.verdict).toBe('valid');
    // Make one read stale: a one-read txn misses the last element it saw,
    // appended by a txn that completed before this one began (and by another
    // txn than the element before it, so the read stays a whole version).
    type M = [string, number, unknown];
    const h = readFileSync(join(run.dir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HistoryEvent);
    const done = new Map<string, number>(); // "key element" -> completion time of its append
    const by = new Map<string, number>(); // "key element" -> the appending txn (its completion's index)
    const invokedAt = new Map<number, number>();
    let planted = false;
    for (const e of h) {
      if (e.type === 'invoke') invokedAt.set(e.process, e.time);
      if (e.type !== 'ok') continue;
      const txn = e.value as M[];
      if (!planted && txn.length === 1 && txn[0]![0] === 'r' && Array.isArray(txn[0]![2]) && (txn[0]![2] as number[]).length > 0) {
        const list = txn[0]![2] as number[];
        const k = txn[0]![1];
        const t = done.get(`${k} ${list[list.length - 1]}`);
        // The element before must end its own txn's appends (else the read would be intermediate, G1b).
        const boundary = list.length === 1 || by.get(`${k} ${list[list.length - 1]}`) !== by.get(`${k} ${list[list.length - 2]}`);
        if (t !== undefined && t < invokedAt.get(e.process)! && boundary) {
          txn[0]![2] = list.length > 1 ? list.slice(0, -1) : null;
          planted = true;
        }
      }
      for (const [f, k, v] of txn) {
        if (f !== 'append') continue;
        done.set(`${k} ${v as number}`, e.time);
        by.set(`${k} ${v as number}`, e.index);
      }
    }
    expect(planted).toBe(true);
    writeFileSync(join(run.dir, 'history.jsonl'), h.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const strict = await analyze([run.dir]);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/strict-serializable: INVALID/);
    const ser = await analyze([run.dir, '--consistency-models', 'serializable']);
    expect(ser.code, ser.out).toBe(0);
    expect(ser.out).toMatch(/serializable: valid/);
    const saved = JSON.parse(readFileSync(join(run.dir, 'results.json'), 'utf8')) as BenchResults;
    expect(saved.options.txnListAppend?.consistencyModel).toBe('serializable');
  });

  it('says clearly what is wrong with bad input, exit 254, and changes nothing', async () => {
    const missing = await analyze([join(store, 'nope')]);
    expect(missing.code).toBe(254);
    expect(missing.err).toMatch(/no such run directory/);
    expect((await analyze([valid.dir, '--bogus'])).err).toMatch(/unknown option --bogus/);
    expect((await analyze([valid.dir, '--consistency-models', 'serializable'])).err).toMatch(/txn-list-append runs only/);
    const broken = join(store, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'results.json'), JSON.stringify(valid.results));
    writeFileSync(join(broken, 'history.jsonl'), '{"index":0,"type":"invoke"}\nnot json\n');
    const before = readFileSync(join(broken, 'results.json'), 'utf8');
    const r = await analyze([broken]);
    expect(r.code).toBe(254);
    expect(r.err).toMatch(/history\.jsonl: 1 unreadable line\(s\), first line 2/);
    expect(readFileSync(join(broken, 'results.json'), 'utf8')).toBe(before);
  });
});
