// Message schemas, as data: the Maelstrom client RPCs we serve and the Raft
// RPCs our nodes exchange. src/maelstrom/validate.ts checks a body against
// them; the protocol layer replies error 12 (malformed-request) or 10
// (not-supported) when a check fails, and never lets a bad message reach the
// chart.

export type FieldType =
  | 'nat' // integer >= 0
  | 'nat?' // integer >= 0, or absent
  | 'string'
  | 'bool'
  | 'key' // lin-kv key: integer or string
  | 'any' // any JSON value, but it must be present
  | 'nodeIds' // non-empty array of distinct strings
  | 'entries' // array of { term: nat, op: Op }
  | 'txn' // array of ["r"|"append", key, value]
  | 'bodies' // non-empty array of message bodies (objects with a string type)
  | 'text'; // a string, possibly empty

export interface BodySchema {
  readonly fields: Readonly<Record<string, FieldType>>;
  /**
   * Who sends it: a Maelstrom client (or a peer proxying one), a Raft peer,
   * Maelstrom, or another of our nodes below Raft (`node`: the protocol
   * layer's batches of proxied requests and their answers).
   */
  readonly from: 'client' | 'peer' | 'maelstrom' | 'node';
  /** Fields required only for some values of another field (e.g. success). */
  readonly when?: { readonly field: string; readonly is: Readonly<Record<string, readonly string[]>> };
  readonly description: string;
}

export const clientRequests = ['read', 'write', 'cas', 'txn'] as const;
export type ClientRequestType = (typeof clientRequests)[number];

export const schemas: Readonly<Record<string, BodySchema>> = {
  init: { from: 'maelstrom', fields: { node_id: 'string', node_ids: 'nodeIds' }, description: 'Maelstrom tells a node its id and the cluster.' },
  read: {
    from: 'client',
    fields: { key: 'key', proxy_term: 'nat?' },
    description:
      'lin-kv read; read_ok {value} or error 20. A follower that forwards it to the leader adds proxy_term, its term then (the leader counts the forward as a confirmation of the read).',
  },
  write: { from: 'client', fields: { key: 'key', value: 'any' }, description: 'lin-kv write; write_ok.' },
  cas: { from: 'client', fields: { key: 'key', from: 'any', to: 'any' }, description: 'lin-kv compare-and-set; cas_ok, error 20 or 22.' },
  txn: {
    from: 'client',
    fields: { txn: 'txn', proxy_term: 'nat?' },
    description: 'txn-list-append transaction; txn_ok with reads filled in. A forwarded read-only txn carries proxy_term, as a read does.',
  },
  pre_vote: {
    from: 'peer',
    fields: { term: 'nat', candidate_id: 'string', last_log_index: 'nat', last_log_term: 'nat' },
    description: 'Pre-Vote: would you vote for me in `term` (our term + 1)? Changes nothing at the receiver.',
  },
  pre_vote_res: {
    from: 'peer',
    fields: { term: 'nat', vote_granted: 'bool', requested_term: 'nat' },
    description: 'Pre-Vote answer: the responder\'s term, and whether it would vote in requested_term.',
  },
  request_vote: {
    from: 'peer',
    fields: { term: 'nat', candidate_id: 'string', last_log_index: 'nat', last_log_term: 'nat' },
    description: 'RequestVote RPC.',
  },
  request_vote_res: { from: 'peer', fields: { term: 'nat', vote_granted: 'bool' }, description: 'RequestVote response.' },
  append_entries: {
    from: 'peer',
    fields: {
      term: 'nat',
      leader_id: 'string',
      prev_log_index: 'nat',
      prev_log_term: 'nat',
      entries: 'entries',
      leader_commit: 'nat',
      seq: 'nat?',
    },
    description:
      'AppendEntries RPC (empty entries = heartbeat). seq numbers the leader\'s broadcasts; the answer echoes it, which is how a leader confirms it still leads before serving a read (ReadIndex).',
  },
  append_entries_res: {
    from: 'peer',
    fields: { term: 'nat', success: 'bool', match_index: 'nat?', hint: 'nat?', seq: 'nat?' },
    when: { field: 'success', is: { true: ['match_index'], false: ['hint'] } },
    description:
      'AppendEntries response. On success match_index is the last index the request covered; on failure hint is the back-off hint: the follower has nothing useful at or after it.',
  },
  install_snapshot: {
    from: 'peer',
    fields: {
      term: 'nat',
      leader_id: 'string',
      last_included_index: 'nat',
      last_included_term: 'nat',
      offset: 'nat',
      data: 'text',
      done: 'bool',
    },
    description:
      "InstallSnapshot RPC, in chunks: `data` from byte `offset` of the snapshot of the leader's state machine up to last_included_index; `done` on the last chunk. The node hands the chart the whole snapshot once every chunk has arrived in order.",
  },
  install_snapshot_res: {
    from: 'peer',
    fields: { term: 'nat', success: 'bool', match_index: 'nat' },
    description: 'InstallSnapshot response: on success the follower holds everything up to match_index (the snapshot index).',
  },
  proxy_batch: {
    from: 'node',
    fields: { requests: 'bodies' },
    description:
      'Client requests a follower proxies to its leader, gathered from one batch of its input: each element is the request as a client sent it, with the msg_id the follower gave it; each is handled and answered on its own.',
  },
  proxy_batch_res: {
    from: 'node',
    fields: { replies: 'bodies' },
    description:
      "Answers a leader sends one follower from one batch of its work, each with the in_reply_to of the follower's proxied request; the follower relays each to its client.",
  },
};

/** The Raft messages between servers (pre_vote ... install_snapshot_res): the bodies a peer sends. */
export const raftMessageTypes: ReadonlySet<string> = new Set(Object.keys(schemas).filter((t) => schemas[t]!.from === 'peer'));

/** Bounds that make a message too big to accept (error 12). */
export const limits = {
  maxEntriesPerAppend: 10_000,
  maxBodiesPerBatch: 4096,
  maxTxnLength: 1_000,
  maxNodes: 64,
} as const;
