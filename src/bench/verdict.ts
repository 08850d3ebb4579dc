// From a checker result, the availability goal and the problems nodes caused,
// to a verdict with its reasons and one line saying what went wrong. Shared by
// `raftchart test` and `raftchart analyze`.

import type { BenchResults, CheckerResult, NodeProblem } from './types.js';

export interface VerdictInput {
  /** null: no check was made (the nodes never initialised). */
  checker: CheckerResult | null;
  availability: { expected: 'total' | number | null; actual: number | null };
  problems: readonly NodeProblem[];
  notes: readonly string[];
}

export interface Verdict {
  verdict: BenchResults['verdict'];
  reasons: string[];
  cause: string | null;
  availabilityValid: boolean;
}

/** Problems that make a run's verdict unknown at best. */
export function seriousProblems(problems: readonly NodeProblem[]): NodeProblem[] {
  return problems.filter((p) => p.kind !== 'unknown-dest');
}

/** One line about a node problem, for the line before the verdict. */
export function describeProblem(p: NodeProblem, all: readonly NodeProblem[]): string {
  const same = all.filter((q) => q.node === p.node && q.kind === p.kind).length;
  const at = `at ${p.time.toFixed(2)} s`;
  switch (p.kind) {
    case 'exit':
      return `node ${p.node} crashed ${at}: ${p.detail}`;
    case 'init-timeout':
      return `node ${p.node} did not answer init within 10 s`;
    case 'init-error':
      return `node ${p.node} refused init ${at}: ${p.detail}`;
    case 'spawn-error':
      return `node ${p.node} could not be started: ${p.detail}`;
    case 'bad-output':
      return `node ${p.node} wrote ${same > 1 ? `${same}${same >= 20 ? '+' : ''} lines` : 'a line'} to stdout that ${same > 1 ? 'are' : 'is'} not a Maelstrom message (first ${at}): ${p.detail}`;
    case 'bad-message':
      return `node ${p.node} sent ${same > 1 ? `${same}${same >= 20 ? '+' : ''} malformed messages` : 'a malformed message'} (first ${at}): ${p.detail}`;
    case 'stdin-error':
      return `node ${p.node} stopped reading its input ${at}: ${p.detail}`;
    default:
      return `node ${p.node} ${p.kind} ${at}: ${p.detail}`;
  }
}

export function decideVerdict(input: VerdictInput): Verdict {
  const lin = input.checker;
  const reasons: string[] = [];
  let cause: string | null = null;
  const { expected, actual } = input.availability;
  const availabilityValid =
    expected === null ? true : actual === null ? false : expected === 'total' ? actual === 1 : actual >= expected;
  let verdict: BenchResults['verdict'];
  if (lin !== null && lin.valid === false) {
    verdict = 'invalid';
    const ks = lin.failures.map((f) => f.key);
    if ('reasons' in lin && Array.isArray(lin.reasons)) reasons.push(...(lin.reasons as string[]));
    else {
      reasons.push(`${ks.length} key(s) not linearizable: ${ks.slice(0, 20).join(', ')}${ks.length > 20 ? `, ... (${ks.length - 20} more)` : ''}`);
    }
    const f = lin.failures[0];
    cause =
      'listAppend' in lin
        ? (reasons[0] ?? 'the transactions are not consistent')
        : `key ${f?.key} is not linearizable${ks.length > 1 ? ` (and ${ks.length - 1} more key(s))` : ''}: cannot linearise ${f?.culprit ?? '?'}`;
  } else if (!availabilityValid) {
    verdict = 'invalid';
    const r = `availability ${actual === null ? 'n/a' : actual.toFixed(4)} is below the required ${expected}`;
    reasons.push(r);
    cause = r;
  } else if (lin === null || lin.valid === 'unknown') {
    verdict = 'unknown';
    if (lin === null) {
      reasons.push('nodes did not initialise; no operations were run');
      cause = 'the nodes did not initialise, so no operations were run';
    } else if (lin.unknownKeys.length > 0) {
      const r = `the checker gave up on key(s) ${lin.unknownKeys.slice(0, 20).join(', ')}${lin.unknownKeys.length > 20 ? ', ...' : ''} (out of time: raise --checker-time-limit)`;
      reasons.push(r);
      cause = r;
    } else if ('reasons' in lin && Array.isArray(lin.reasons) && lin.reasons.length > 0) {
      reasons.push(...(lin.reasons as string[]));
      cause = `the checker could not decide: ${(lin.reasons as string[])[0]}`;
    } else {
      cause = 'the checker could not decide';
    }
  } else verdict = 'valid';
  const serious = seriousProblems(input.problems);
  if (serious.length > 0) {
    reasons.push(`${serious.length} node problem(s): ${[...new Set(serious.map((p) => `${p.node} ${p.kind}`))].join(', ')}`);
    // A node problem explains an unknown verdict better than the checker's state.
    if (verdict !== 'invalid') cause = describeProblem(serious[0]!, serious);
    if (verdict === 'valid') verdict = 'unknown';
  }
  for (const n of input.notes) reasons.push(`note: ${n}`);
  return { verdict, reasons, cause: verdict === 'valid' ? null : cause, availabilityValid };
}
