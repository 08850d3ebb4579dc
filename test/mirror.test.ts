// The mirror check (no TLC needed): tla/Raft.tla is parsed with a TLA+
// parser (tree-sitter), and every chart transition is held to its branch of
// the TLA+ spec: same variables written, the chart's guard a conjunct under
// the same name, the guard's conditions tested on both sides. Each test below
// edits one side in memory, as a careless change would, and expects the
// check to say so.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionWrites } from '../spec/action-writes.ts';
import { entryActions, events, transitions } from '../spec/chart.ts';
import { raftMessageTypes } from '../spec/messages.ts';
import {
  environmentActions,
  guardConditions,
  historyVariables,
  networkVariable,
  roleVariable,
  tlaMapping,
  tlaVariables,
} from '../spec/tla-mapping.ts';
import { checkMirror, identifiersByProperty, parseTlaModule, tlaParser, type MirrorInputs, type TlaModuleInfo } from './tla/mirror.ts';

const raftTla = readFileSync(new URL('../tla/Raft.tla', import.meta.url), 'utf8');
const guardsTs = readFileSync(new URL('../machines/guards.ts', import.meta.url), 'utf8');

let spec: TlaModuleInfo;
beforeAll(async () => {
  await tlaParser();
  spec = await parseTlaModule(raftTla);
});

function inputs(overrides: Partial<MirrorInputs> = {}): MirrorInputs {
  return {
    transitions,
    entryActions,
    // messages from other servers (spec/messages.ts): not a client's
    // request, nor the runtime's word that it took a snapshot or handed over
    // a batch of input
    messageEvents: events.filter((e) => raftMessageTypes.has(e)),
    mapping: tlaMapping,
    environmentActions,
    actionWrites,
    tlaVariables,
    roleVariable,
    networkVariable,
    historyVariables,
    guardConditions,
    guardCode: identifiersByProperty(guardsTs, 'guards'),
    tla: spec,
    ...overrides,
  };
}

/** The problems the check finds with tla/Raft.tla edited by `edit` (which must change it). */
async function withSpec(edit: (text: string) => string): Promise<string[]> {
  const edited = edit(raftTla);
  expect(edited, 'the edit must change the spec').not.toEqual(raftTla);
  return checkMirror(inputs({ tla: await parseTlaModule(edited) }));
}

describe('mirror check: chart <-> mapping <-> tla/Raft.tla', () => {
  it('parses tla/Raft.tla without errors and reads the actions of Next', () => {
    expect(spec.errors).toEqual([]);
    expect(spec.nextActions).toEqual([
      'UpdateTerm',
      'Timeout',
      'HandlePreVoteRequest',
      'HandlePreVoteResponse',
      'BecomeCandidate',
      'HandleRequestVoteRequest',
      'HandleRequestVoteResponse',
      'BecomeLeader',
      'ClientRequest',
      'Heartbeat',
      'AppendEntries',
      'HandleAppendEntriesRequest',
      'HandleAppendEntriesResponse',
      'TakeSnapshot',
      'SendSnapshot',
      'HandleInstallSnapshotRequest',
      'HandleInstallSnapshotResponse',
      'AdvanceCommitIndex',
      'ApplyEntry',
      'ReadIndex',
      'ForwardRead',
      'HandleForwardedRead',
      'ConfirmReads',
      'AnswerReads',
      'LeaseRead',
      'LocalRead',
      'CheckQuorum',
      'Restart',
      'DropMessage',
      'DuplicateMessage',
    ]);
    expect(spec.variables.has('currentTerm')).toBe(true);
    expect(spec.operators.has('LeaderCompleteness')).toBe(true);
  });

  it('computes what an action changes from the syntax tree', () => {
    // primed directly, through Reply/Send, through Campaign; UNCHANGED is not a change
    // expired is a ghost (the lease clock assumption): a vote closes lease windows
    expect([...spec.changes('GrantVote')].sort()).toEqual(['expired', 'msgs', 'state', 'votedFor']);
    expect([...spec.changes('BecomeCandidate')].sort()).toEqual(['currentTerm', 'leader', 'msgs', 'state', 'votedFor', 'votesGranted']);
    expect([...spec.changes('RejectVote')]).toEqual(['msgs']);
    expect([...spec.changes('Restart')]).not.toContain('currentTerm');
    // a bug model's branch (IF Bug("VoteNotPersisted") THEN votedFor' = ...) is not the protocol's
    expect([...spec.changes('Restart')]).not.toContain('votedFor');
    expect([...spec.changes('UpdateTerm')]).toContain('state');
    expect(spec.conjuncts('AcceptAppendEntries').has('IsCurrentTerm')).toBe(true);
    expect(spec.conjuncts('RejectVote').has('CanGrantVote')).toBe(false); // only negated there
  });

  it('finds the chart, the mapping and the TLA+ spec in line', () => {
    expect(checkMirror(inputs())).toEqual([]);
  });

  it('holds the snapshot transitions to their actions', async () => {
    // every snapshot transition is mirrored now, none is marked not modelled
    for (const name of ['takeSnapshot', 'installSnapshot', 'rejectStaleSnapshot', 'handleInstallSnapshotResponse']) {
      expect(tlaMapping[name]?.tla, name).not.toBeNull();
      expect(tlaMapping[name]?.notModelledYet, name).toBeUndefined();
    }
    expect([...spec.changes('InstallSnapshot')].sort()).toEqual(
      ['appliedLog', 'commitIndex', 'heard', 'lastApplied', 'leader', 'log', 'msgs', 'pending', 'snapshotIndex', 'snapshotTerm', 'state'],
    );
    expect([...spec.changes('TakeSnapshot')].sort()).toEqual(['log', 'snapshotIndex', 'snapshotTerm']);
    // an installed snapshot that left the log's start where it was
    const keepsStart = await withSpec((t) =>
      t.replace("ELSE /\\ snapshotIndex' = [snapshotIndex EXCEPT ![i] = n]\n            /\\ snapshotTerm' = [snapshotTerm EXCEPT ![i] = m.mlastIncludedTerm]\n            /\\ ", 'ELSE /\\ '),
    );
    expect(keepsStart).toContainEqual('installSnapshot: the chart writes snapshotIndex, snapshotTerm, which InstallSnapshot leaves unchanged');
    // a compaction without the chart's guard
    const unguarded = await withSpec((t) => t.replace('    /\\ Settled(i)\n    /\\ IsNewSnapshot(i, n)\n', '    /\\ Settled(i)\n'));
    expect(unguarded).toContainEqual("takeSnapshot: IsNewSnapshot (the chart's guard isNewSnapshot) is not a conjunct of TakeSnapshot");
    // snapshots sent by no action of Next
    const unsent = await withSpec((t) => t.replace(/^\s*\\\/ \\E i, j \\in Server : SendSnapshot\(i, j\)\n/m, '\n'));
    expect(unsent).toContainEqual('heartbeat sends via SendSnapshot, which is not an action of Next');
    // the restore effect declared as changing nothing the spec models
    const problems = checkMirror(inputs({ tlaVariables: { ...tlaVariables, restore: null } }));
    expect(problems).toContainEqual("installSnapshot: InstallSnapshot changes appliedLog, pending, which the chart's transition does not write");
  });

  it('complains when an action leaves unchanged a variable the chart writes', async () => {
    const problems = await withSpec((t) =>
      t.replace("    /\\ votedFor' = [votedFor EXCEPT ![i] = m.msource]\n", '    /\\ UNCHANGED votedFor\n'),
    );
    expect(problems).toContainEqual('grantVote: the chart writes votedFor, which GrantVote leaves unchanged');
  });

  it('complains when an action changes a variable the chart does not write', async () => {
    const problems = await withSpec((t) =>
      t.replace(
        "    /\\ state' = [state EXCEPT ![i] = Follower]\n    /\\ leader' = [leader EXCEPT ![i] = Nil]\n    /\\ reads' = [reads EXCEPT ![i] = << >>]\n    /\\ UNCHANGED <<currentTerm,",
        "    /\\ state' = [state EXCEPT ![i] = Follower]\n    /\\ leader' = [leader EXCEPT ![i] = Nil]\n    /\\ reads' = [reads EXCEPT ![i] = << >>]\n    /\\ currentTerm' = [currentTerm EXCEPT ![i] = @ + 1]\n    /\\ UNCHANGED <<",
      ),
    );
    expect(problems).toContainEqual("checkQuorum: CheckQuorum changes currentTerm, which the chart's transition does not write");
  });

  it('complains when votes skip the log check', async () => {
    const problems = await withSpec((t) => t.replace('    /\\ LogUpToDate(i, m.mlastLogTerm, m.mlastLogIndex)\n\n(* Pre-Vote', '\n(* Pre-Vote'));
    expect(problems).toContainEqual('CanGrantVote (the chart\'s guard canGrantVote) does not test LogUpToDate');
  });

  it('complains when AppendEntries of a stale term are accepted', async () => {
    const problems = await withSpec((t) => t.replace('    /\\ state[i] /= Leader\n    /\\ IsCurrentTerm(i, m)\n', '    /\\ state[i] /= Leader\n'));
    for (const name of ['acceptAppendEntries', 'abandonPreVote', 'yieldToLeader']) {
      expect(problems).toContainEqual(`${name}: IsCurrentTerm (the chart's guard isCurrentTerm) is not a conjunct of AcceptAppendEntries`);
    }
  });

  it('complains when any set of votes elects a leader', async () => {
    const problems = await withSpec((t) => t.replace('HasVoteQuorum(i) == votesGranted[i] \\in Quorum', 'HasVoteQuorum(i) == votesGranted[i] /= {}'));
    expect(problems).toContainEqual("HasVoteQuorum (the chart's guard hasVoteQuorum) does not test Quorum");
  });

  it('complains when a guard is only negated in its branch', async () => {
    const problems = await withSpec((t) => t.replace('    /\\ state[i] = Follower\n    /\\ CanGrantVote(i, m)\n', '    /\\ state[i] = Follower\n    /\\ ~~CanGrantVote(i, m)\n'));
    expect(problems).toContainEqual("grantVote: CanGrantVote (the chart's guard canGrantVote) is not a conjunct of GrantVote");
  });

  it('complains when a transition is mapped to an action that changes other variables', () => {
    const mapping = { ...tlaMapping, grantVote: { tla: 'CheckQuorum' } };
    const problems = checkMirror(inputs({ mapping }));
    expect(problems).toContainEqual('grantVote: the chart writes msgs, votedFor, which CheckQuorum leaves unchanged');
    expect(problems).toContainEqual("grantVote: CheckQuorum changes leader, reads, which the chart's transition does not write");
    expect(problems).toContainEqual("grantVote: CanGrantVote (the chart's guard canGrantVote) is not a conjunct of CheckQuorum");
  });

  it('complains when the code stops testing a condition the mapping lists', () => {
    const guardCode = identifiersByProperty(guardsTs.replace('ctx.log.isUpToDate(b.last_log_index, b.last_log_term) &&\n      isLeaderSilent(ctx, ev)\n    );', 'true\n    );'), 'guards');
    expect(checkMirror(inputs({ guardCode }))).toContainEqual('the guard canGrantVote in machines/guards.ts does not call isUpToDate');
  });

  it('complains when a declared write changes: the chart then writes what the spec does not', () => {
    const problems = checkMirror(inputs({ actionWrites: { ...actionWrites, stepDown: ['leader', 'term'] } }));
    expect(problems).toContainEqual('checkQuorum: the chart writes currentTerm, which CheckQuorum leaves unchanged');
  });

  it('complains when a TLA+ action is renamed', async () => {
    const problems = await withSpec((t) => t.replace(/\bCheckQuorum\b/g, 'StepDownWithoutQuorum'));
    expect(problems).toContainEqual(expect.stringContaining('mirrors CheckQuorum, which tla/Raft.tla does not define'));
    expect(problems).toContainEqual(
      expect.stringContaining('TLA+ action StepDownWithoutQuorum (in Next) is mirrored by no chart transition'),
    );
  });

  it('complains when a chart transition is renamed', () => {
    const renamed = transitions.map((t) => (t.name === 'recordVote' ? { ...t, name: 'countVote' } : t));
    const problems = checkMirror(inputs({ transitions: renamed }));
    expect(problems).toContainEqual(expect.stringContaining('chart transition countVote has no entry'));
    expect(problems).toContainEqual(expect.stringContaining('the mapping names transition recordVote, which the chart does not have'));
    expect(problems).toContainEqual(expect.stringContaining('TLA+ action HandleRequestVoteResponse (in Next) is mirrored by no chart transition'));
  });

  it('complains when an action is defined but dropped from Next', async () => {
    const problems = await withSpec((t) => t.replace(/^\s*\\\/ \\E i \\in Server : ApplyEntry\(i\)\n/m, '\n'));
    expect(problems).toContainEqual(expect.stringContaining('mirrors ApplyEntry, which is not a disjunct of Next'));
  });

  it('complains about a null mapping without a reason, an unknown environment action, a branch the action does not use', () => {
    const mapping = {
      ...tlaMapping,
      proxyToLeader: { tla: null },
      rejectVote: { tla: 'HandleRequestVoteRequest', branch: 'RejectPreVote' },
    };
    const problems = checkMirror(inputs({ mapping, environmentActions: [...environmentActions, 'ClientArrives'] }));
    expect(problems).toContainEqual(expect.stringContaining('proxyToLeader is null but gives no reason'));
    expect(problems).toContainEqual(expect.stringContaining('environment action ClientArrives is not a disjunct of Next'));
    expect(problems).toContainEqual('the mapping says rejectVote is the branch RejectPreVote of HandleRequestVoteRequest, but HandleRequestVoteRequest does not use RejectPreVote');
  });

  it('reports a spec that does not parse', async () => {
    const problems = await withSpec((t) => t.replace('Timeout(i) ==\n    /\\ Settled(i)', 'Timeout(i) ==\n    /\\ Settled(i) /\\ /\\'));
    expect(problems.some((p) => p.startsWith('tla/Raft.tla does not parse'))).toBe(true);
  });
});
