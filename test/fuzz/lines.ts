// Hostile input lines for bin/raft, generated with fast-check.
//
// Every generated line says what a correct node must do with it:
//   expect 10 or 12  the line names a sender and a msg_id, and its body is
//                    bad by construction (unknown type, wrong field type,
//                    a Raft message from a non-member, too deep, too long):
//                    the sender must get that error code;
//   expect 'any'     a well-formed client request: some answer (or none, if
//                    its fate stays unknown), never a crash;
//   expect null      nothing can be required (no sender to answer, or bytes
//                    mutated at random): the node must only stay up and keep
//                    its state.
// Peer messages from real members are only ever generated *invalid*: a
// well-formed forged Raft message can rewrite a follower's log, and Raft
// assumes honest peers (README, "Trust").

import fc from 'fast-check';

export type Expect = 10 | 12 | 'any' | null;

export interface FuzzLine {
  readonly text: string;
  readonly expect: Expect;
  /** Who must get the answer, and to which msg_id, when `expect` asks for one. */
  readonly src?: string;
  readonly msgId?: number;
  /** The node the line is addressed to (it is written to that node's stdin). */
  readonly dest?: string;
  /** A well-formed write, cas or txn: it may change state. */
  readonly writes?: boolean;
  /** Its body is one of Raft's own message types (answered only once the node knows its cluster). */
  readonly raft?: boolean;
}

export interface FuzzOptions {
  /** Servers of the cluster under test. */
  readonly nodes: readonly string[];
  /** Leave out every well-formed state-changing request (for memory runs). */
  readonly noWrites?: boolean;
  /** Most nesting the node accepts (RAFT_MAX_DEPTH). */
  readonly maxDepth?: number;
  /** Longest line the node accepts (RAFT_MAX_LINE_BYTES). */
  readonly maxLineBytes?: number;
}

/** Keys the fuzz may touch; the acknowledged-value checks use other keys (see ACK_PREFIX). */
export const ACK_PREFIX = 'ack\u00a7';

const key = fc.oneof(fc.integer({ min: -5, max: 50 }), fc.string({ maxLength: 8 }).filter((s) => !s.startsWith(ACK_PREFIX)));
const badKey = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  fc.constant(Number.NaN), // serialises to null
);
const hugeNumber = fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, -(2 ** 60), 1.5, -0.000001, 123456789012345678901234567890);
const smallJson = fc.jsonValue({ maxDepth: 3 });

const nested = (depth: number, leaf = '0'): string => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;

/** Builds the generators for one cluster. */
export function fuzzLines(opts: FuzzOptions): fc.Arbitrary<FuzzLine> {
  const maxDepth = opts.maxDepth ?? 64;
  const maxLine = opts.maxLineBytes ?? 1024 * 1024;
  const node = fc.constantFrom(...opts.nodes);
  // Distinct senders per kind of line, so that answers are easy to pair.
  const client = fc.integer({ min: 0, max: 9 }).map((i) => `cf${i}`);
  // Unbiased, so that two lines rarely share a sender and msg_id.
  const msgId = fc.noBias(fc.integer({ min: 1, max: 2 ** 31 }));

  const value = fc.oneof(
    { weight: 6, arbitrary: smallJson },
    { weight: 1, arbitrary: hugeNumber },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: maxDepth - 8 }).map((d) => JSON.parse(nested(d)) as unknown) },
  );

  const envelope = (src: string, dest: string, body: Record<string, unknown>): string => JSON.stringify({ src, dest, body });

  // Well-formed client requests (they may change state).
  const goodClient: fc.Arbitrary<FuzzLine> = fc
    .record({
      src: client,
      dest: node,
      msg_id: msgId,
      op: fc.oneof(
        fc.record({ type: fc.constant('read'), key }),
        fc.record({ type: fc.constant('write'), key, value }),
        fc.record({ type: fc.constant('cas'), key, from: value, to: value }),
        fc.record({
          type: fc.constant('txn'),
          txn: fc.array(
            fc.oneof(
              fc.tuple(fc.constant('r'), key, fc.constant(null)),
              fc.tuple(fc.constant('append'), key, value),
            ),
            { minLength: 1, maxLength: 4 },
          ),
        }),
      ),
    })
    .map(({ src, dest, msg_id, op }) => ({
      text: envelope(src, dest, { ...op, msg_id }),
      expect: 'any' as const,
      src,
      msgId: msg_id,
      dest,
      writes: op.type !== 'read' && !(op.type === 'txn' && (op.txn as unknown[][]).every((m) => m[0] === 'r')),
    }))
    .filter((l) => !(opts.noWrites && l.writes));

  // Bad by construction, with a sender and msg_id: 10 or 12 expected.
  const badBody = fc.oneof(
    fc.record({ type: fc.constantFrom('frobnicate', 'echo', 'generate', 'broadcast', 'kv_read', '__proto__', 'constructor', 'toString', ''), extra: smallJson }).map((b) => ({ body: b as Record<string, unknown>, code: (b.type === '' ? 10 : 10) as 10 | 12 })),
    fc.record({ type: fc.constant('read'), key: badKey }).map((b) => ({ body: b as Record<string, unknown>, code: 12 as const })),
    fc.record({ type: fc.constant('write'), key: badKey, value }).map((b) => ({ body: b as Record<string, unknown>, code: 12 as const })),
    fc.record({ type: fc.constant('write'), key }).map((b) => ({ body: b as Record<string, unknown>, code: 12 as const })), // no value
    fc.record({ type: fc.constant('cas'), key, from: value }).map((b) => ({ body: b as Record<string, unknown>, code: 12 as const })), // no to
    fc.record({ type: fc.constant('txn'), txn: fc.oneof(smallJson.filter((v) => !Array.isArray(v)), fc.array(fc.tuple(fc.constantFrom('w', 'read', 'x'), key, value), { minLength: 1, maxLength: 3 })) }).map((b) => ({ body: b as Record<string, unknown>, code: 12 as const })),
    fc.record({ type: fc.constant('txn'), txn: fc.array(fc.tuple(fc.constant('append'), badKey, value), { minLength: 1, maxLength: 3 }) }).map((b) => ({ body: b as Record<string, unknown>, code: 12 as const })),
    // Raft's own messages from a client: it is not a member.
    fc.record({ type: fc.constantFrom('append_entries', 'request_vote', 'pre_vote'), term: fc.nat(5), candidate_id: fc.constant('cf0'), leader_id: fc.constant('cf0'), prev_log_index: fc.constant(0), prev_log_term: fc.constant(0), entries: fc.constant([]), leader_commit: fc.constant(0), last_log_index: fc.constant(0), last_log_term: fc.constant(0) }).map((b) => ({ body: b as Record<string, unknown>, code: 12 as const })),
    // Too deep to enter the log.
    fc.integer({ min: maxDepth - 3, max: maxDepth + 40 }).map((d) => ({ body: { type: 'write', key: 1, value: JSON.parse(nested(d)) as unknown }, code: 12 as const })),
  );
  const raftTypes = new Set(['append_entries', 'append_entries_res', 'request_vote', 'request_vote_res', 'pre_vote', 'pre_vote_res']);
  const badClient: fc.Arbitrary<FuzzLine> = fc.record({ src: client, dest: node, msg_id: msgId, bad: badBody }).map(({ src, dest, msg_id, bad }) => ({
    text: envelope(src, dest, { ...bad.body, msg_id }),
    expect: bad.code,
    src,
    msgId: msg_id,
    dest,
    raft: raftTypes.has(bad.body.type as string),
  }));

  // Far too deep to parse safely, or too long: answered 12 when the envelope comes first.
  const tooDeep: fc.Arbitrary<FuzzLine> = fc.oneof(
    fc.record({ src: client, dest: node, msg_id: msgId, depth: fc.integer({ min: maxDepth + 1, max: 30_000 }) }).map(({ src, dest, msg_id, depth }) => ({
      text: `{"src":${JSON.stringify(src)},"dest":${JSON.stringify(dest)},"body":{"type":"write","msg_id":${msg_id},"key":1,"value":${nested(depth)}}}`,
      expect: 12 as const,
      src,
      msgId: msg_id,
      dest,
    })),
    fc.integer({ min: maxDepth + 1, max: 40_000 }).map((d) => ({ text: nested(d), expect: null })),
    fc.integer({ min: 1, max: 100_000 }).map((n) => ({ text: '{'.repeat(n), expect: null })),
  );
  const tooLong: fc.Arbitrary<FuzzLine> = fc.record({ src: client, dest: node, msg_id: msgId, extra: fc.integer({ min: 1, max: 200_000 }) }).map(({ src, dest, msg_id, extra }) => ({
    text: `{"src":${JSON.stringify(src)},"dest":${JSON.stringify(dest)},"body":{"type":"write","msg_id":${msg_id},"key":1,"value":"${'x'.repeat(maxLine + extra)}"}}`,
    expect: 12 as const,
    src,
    msgId: msg_id,
    dest,
  }));

  // Malformed Raft messages from real members: always invalid by construction.
  const peer = fc.constantFrom(...opts.nodes);
  const badPeer: fc.Arbitrary<FuzzLine> = fc
    .record({
      src: peer,
      dest: node,
      msg_id: msgId,
      type: fc.constantFrom('append_entries', 'append_entries_res', 'request_vote', 'request_vote_res', 'pre_vote', 'pre_vote_res'),
      term: fc.oneof(fc.constant(-1), fc.constant(1.5), fc.constant('3'), fc.constant(null), hugeNumber.filter((n) => !Number.isSafeInteger(n) || n < 0)),
      rest: fc.dictionary(fc.constantFrom('entries', 'prev_log_index', 'success', 'vote_granted', 'leader_id', 'candidate_id', 'match_index', 'hint'), smallJson, { maxKeys: 4 }),
    })
    .map(({ src, dest, msg_id, type, term, rest }) => ({
      text: envelope(src, dest, { type, ...rest, term, msg_id }),
      expect: 12 as const,
      src,
      msgId: msg_id,
      dest,
    }));

  // Envelopes that name nobody to answer, and plain junk.
  const junk: fc.Arbitrary<FuzzLine> = fc.oneof(
    fc.constantFrom('', '   ', '\t', '{}', '[]', 'null', '42', '"x"', 'true', '{"src":"cf1"}', '{"body":{"type":"read","key":1,"msg_id":3}}', '{"src":"","dest":"n0","body":{"type":"read","key":1,"msg_id":4}}', '{"src":7,"dest":"n0","body":{"type":"read","key":1,"msg_id":5}}', '{"src":"cf1","dest":"n0","body":"read"}', '{"src":"cf1","dest":"n0","body":{"type":"read","key":1,"msg_id":-1}}', '{"src":"cf1","dest":"n0","body":{"type":"read","key":1,"msg_id":1e400}}'),
    fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => !s.includes('\n')),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1').replace(/\n/g, ' ')),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
  ).map((text) => ({ text, expect: null }));

  // Valid lines broken at random: truncated, bytes flipped, inserted, deleted; CRLF.
  const mutated: fc.Arbitrary<FuzzLine> = fc
    // Never peer messages: one flipped byte can turn an invalid Raft message from a
    // member into a valid forged one, which honest-peer Raft is not built to survive.
    .record({ base: fc.oneof(goodClient, badClient), cut: fc.nat(), pos: fc.nat(), ch: fc.integer({ min: 0, max: 255 }), how: fc.constantFrom('truncate', 'flip', 'insert', 'delete', 'crlf', 'dup') })
    .map(({ base, cut, pos, ch, how }) => {
      const t = base.text;
      const p = pos % Math.max(1, t.length);
      const c = String.fromCharCode(ch === 10 ? 32 : ch);
      switch (how) {
        case 'truncate':
          return { text: t.slice(0, cut % Math.max(1, t.length)), expect: null, dest: base.dest };
        case 'flip':
          return { text: t.slice(0, p) + c + t.slice(p + 1), expect: null, dest: base.dest };
        case 'insert':
          return { text: t.slice(0, p) + c + t.slice(p), expect: null, dest: base.dest };
        case 'delete':
          return { text: t.slice(0, p) + t.slice(p + 1), expect: null, dest: base.dest };
        case 'crlf':
          // The same message with a CR before its newline: it must be handled like the message itself.
          return { ...base, text: `${t}\r` };
        default:
          return { text: `${t}${t}`, expect: null, dest: base.dest };
      }
    }) as fc.Arbitrary<FuzzLine>;

  // Weights out of 1,000: lines over the length limit cost a megabyte each, so they are rare.
  const kinds: fc.WeightedArbitrary<FuzzLine>[] = [
    { weight: 300, arbitrary: badClient },
    { weight: 1, arbitrary: tooLong },
    { weight: 30, arbitrary: tooDeep },
    { weight: 150, arbitrary: badPeer },
    { weight: 150, arbitrary: junk },
    { weight: 150, arbitrary: goodClient },
  ];
  // Random mutations (which may turn into writes) only when state may change.
  if (!opts.noWrites) kinds.push({ weight: 219, arbitrary: mutated });
  return fc.oneof(...kinds);
}
