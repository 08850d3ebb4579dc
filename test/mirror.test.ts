// The mirror check (no TLC needed): every chart transition maps to a TLA+
// action of tla/Raft.tla, every action of Next is mirrored by a transition or
// is an environment action, and every name in the mapping exists.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transitions } from '../spec/chart.ts';
import { environmentActions, tlaMapping } from '../spec/tla-mapping.ts';
import { checkMirror, parseTla, type MirrorInputs } from './tla/mirror.ts';

const raftTla = readFileSync(new URL('../tla/Raft.tla', import.meta.url), 'utf8');

function inputs(tlaText = raftTla): MirrorInputs {
  return { transitions, mapping: tlaMapping, environmentActions, tla: parseTla(tlaText) };
}

describe('mirror check: chart <-> mapping <-> tla/Raft.tla', () => {
  it('reads the actions of Next from tla/Raft.tla', () => {
    const { nextActions, operators } = parseTla(raftTla);
    expect(nextActions).toEqual([
      'UpdateTerm',
      'Timeout',
      'HandlePreVoteRequest',
      'HandlePreVoteResponse',
      'BecomeCandidate',
      'HandleRequestVoteRequest',
      'HandleRequestVoteResponse',
      'BecomeLeader',
      'ClientRequest',
      'AppendEntries',
      'HandleAppendEntriesRequest',
      'HandleAppendEntriesResponse',
      'AdvanceCommitIndex',
      'ApplyEntry',
      'CheckQuorum',
      'Restart',
      'DropMessage',
      'DuplicateMessage',
    ]);
    expect(operators.has('Init')).toBe(true);
    expect(operators.has('LeaderCompleteness')).toBe(true);
  });

  it('finds the chart, the mapping and the TLA+ spec in line', () => {
    expect(checkMirror(inputs())).toEqual([]);
  });

  it('complains when a TLA+ action is renamed', () => {
    const renamed = raftTla.replace(/\bCheckQuorum\b/g, 'StepDownWithoutQuorum');
    const problems = checkMirror(inputs(renamed));
    expect(problems).toContainEqual(expect.stringContaining('mirrors CheckQuorum, which tla/Raft.tla does not define'));
    expect(problems).toContainEqual(
      expect.stringContaining('TLA+ action StepDownWithoutQuorum (in Next) is mirrored by no chart transition'),
    );
  });

  it('complains when a chart transition is renamed', () => {
    const renamed = transitions.map((t) => (t.name === 'recordVote' ? { ...t, name: 'countVote' } : t));
    const problems = checkMirror({ ...inputs(), transitions: renamed });
    expect(problems).toContainEqual(expect.stringContaining('chart transition countVote has no entry'));
    expect(problems).toContainEqual(expect.stringContaining('the mapping names transition recordVote, which the chart does not have'));
    // recordVote was the only transition mirrored by HandleRequestVoteResponse
    expect(problems).toContainEqual(expect.stringContaining('TLA+ action HandleRequestVoteResponse (in Next) is mirrored by no chart transition'));
  });

  it('complains when an action is defined but dropped from Next', () => {
    const dropped = raftTla.replace(/^\s*\\\/ \\E i \\in Server : ApplyEntry\(i\)\n/m, '');
    expect(dropped).not.toEqual(raftTla);
    expect(checkMirror(inputs(dropped))).toContainEqual(expect.stringContaining('mirrors ApplyEntry, which is not a disjunct of Next'));
  });

  it('complains about a null mapping without a reason and an unknown environment action', () => {
    const mapping = { ...tlaMapping, proxyToLeader: { tla: null } };
    const problems = checkMirror({ ...inputs(), mapping, environmentActions: [...environmentActions, 'ClientArrives'] });
    expect(problems).toContainEqual(expect.stringContaining('proxyToLeader is null but gives no reason'));
    expect(problems).toContainEqual(expect.stringContaining('environment action ClientArrives is not a disjunct of Next'));
  });

  it('parses quantified disjuncts and ignores comments', () => {
    const text = [
      '---- MODULE M ----',
      '(* Next == \\/ Fake *)',
      'A(i) == TRUE',
      'B == TRUE',
      'Next ==',
      '    \\/ \\E i \\in S : \\E j \\in S : A(i)  \\* \\/ NotAnAction',
      '    \\/ B',
      'Spec == Next',
      '====',
    ].join('\n');
    const parsed = parseTla(text);
    expect(parsed.nextActions).toEqual(['A', 'B']);
    expect([...parsed.operators].sort()).toEqual(['A', 'B', 'Next', 'Spec']);
  });
});
