// Message schemas, as data: the Maelstrom client RPCs we serve and the Raft
// RPCs our nodes exchange. `validateBody` checks a body against them; the
// runtime replies error 12 (malformed-request) or 10 (not-supported) when a
// check fails, and never lets a bad message reach the chart.

export type FieldType =
  | 'nat' // integer >= 0
  | 'nat?' // integer >= 0, or absent
  | 'string'
  | 'bool'
  | 'key' // lin-kv key: integer or string
  | 'any' // any JSON value, but it must be present
  | 'nodeIds' // non-empty array of distinct strings
  | 'entries' // array of { term: nat, op: Op }
  | 'txn'; // array of ["r"|"append", key, value]

export interface BodySchema {
  readonly fields: Readonly<Record<string, FieldType>>;
  /** Who sends it: a Maelstrom client (or a peer proxying one), or a Raft peer. */
  readonly from: 'client' | 'peer' | 'maelstrom';
  /** Fields required only for some values of another field (e.g. success). */
  readonly when?: { readonly field: string; readonly is: Readonly<Record<string, readonly string[]>> };
  readonly description: string;
}

export const clientRequests = ['read', 'write', 'cas', 'txn'] as const;
export type ClientRequestType = (typeof clientRequests)[number];

export const schemas: Readonly<Record<string, BodySchema>> = {
  init: { from: 'maelstrom', fields: { node_id: 'string', node_ids: 'nodeIds' }, description: 'Maelstrom tells a node its id and the cluster.' },
  read: { from: 'client', fields: { key: 'key' }, description: 'lin-kv read; read_ok {value} or error 20.' },
  write: { from: 'client', fields: { key: 'key', value: 'any' }, description: 'lin-kv write; write_ok.' },
  cas: { from: 'client', fields: { key: 'key', from: 'any', to: 'any' }, description: 'lin-kv compare-and-set; cas_ok, error 20 or 22.' },
  txn: { from: 'client', fields: { txn: 'txn' }, description: 'txn-list-append transaction; txn_ok with reads filled in.' },
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
};

/** Bounds that make a message too big to accept (error 12). */
export const limits = {
  maxEntriesPerAppend: 10_000,
  maxTxnLength: 1_000,
  maxNodes: 64,
} as const;

const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isKey = (v: unknown): boolean => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';

const OPS = new Set(['noop', 'read', 'write', 'cas', 'txn']);

function checkTxn(v: unknown): string | null {
  if (!Array.isArray(v)) return 'must be an array of micro-ops';
  if (v.length > limits.maxTxnLength) return `has more than ${limits.maxTxnLength} micro-ops`;
  for (const m of v) {
    if (!Array.isArray(m) || m.length !== 3) return 'micro-ops must be [f, key, value]';
    if (m[0] !== 'r' && m[0] !== 'append') return `unknown micro-op ${JSON.stringify(m[0])}`;
    if (!isKey(m[1])) return 'micro-op keys must be numbers or strings';
    if (m[0] === 'append' && m[2] === undefined) return 'append needs a value';
  }
  return null;
}

function checkOp(op: unknown): string | null {
  if (typeof op !== 'object' || op === null || Array.isArray(op)) return 'entry op must be an object';
  const o = op as Record<string, unknown>;
  if (typeof o.f !== 'string' || !OPS.has(o.f)) return `entry op has unknown f ${JSON.stringify(o.f)}`;
  switch (o.f) {
    case 'read':
      return isKey(o.key) ? null : 'read op needs a key';
    case 'write':
      return isKey(o.key) && 'value' in o ? null : 'write op needs key and value';
    case 'cas':
      return isKey(o.key) && 'from' in o && 'to' in o ? null : 'cas op needs key, from, to';
    case 'txn':
      return checkTxn(o.txn);
    default:
      return null;
  }
}

function checkField(type: FieldType, v: unknown): string | null {
  switch (type) {
    case 'nat':
      return isNat(v) ? null : 'must be a non-negative integer';
    case 'nat?':
      return v === undefined || isNat(v) ? null : 'must be a non-negative integer when present';
    case 'string':
      return typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string';
    case 'bool':
      return typeof v === 'boolean' ? null : 'must be a boolean';
    case 'key':
      return isKey(v) ? null : 'must be a number or a string';
    case 'any':
      return v === undefined ? 'is missing' : null;
    case 'nodeIds':
      if (!Array.isArray(v) || v.length === 0 || v.length > limits.maxNodes) return `must be a list of 1..${limits.maxNodes} node ids`;
      if (!v.every((x) => typeof x === 'string' && x.length > 0)) return 'must hold node id strings';
      return new Set(v).size === v.length ? null : 'must not repeat a node id';
    case 'entries': {
      if (!Array.isArray(v)) return 'must be an array';
      if (v.length > limits.maxEntriesPerAppend) return `has more than ${limits.maxEntriesPerAppend} entries`;
      for (const e of v) {
        if (typeof e !== 'object' || e === null || !isNat((e as { term?: unknown }).term)) return 'entries need a term';
        const problem = checkOp((e as { op?: unknown }).op);
        if (problem) return problem;
      }
      return null;
    }
    case 'txn':
      return checkTxn(v);
  }
}

const fieldLists = new Map<BodySchema, [string, FieldType][]>(
  Object.values(schemas).map((schema) => [schema, Object.entries(schema.fields)]),
);

export type Validation =
  | { ok: true; schema: BodySchema }
  | { ok: false; code: 10 | 12; text: string };

/** Checks a message body: 10 for an unknown type, 12 for a bad field. */
export function validateBody(body: unknown): Validation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, code: 12, text: 'body must be a JSON object' };
  }
  const b = body as Record<string, unknown>;
  if (typeof b.type !== 'string') return { ok: false, code: 12, text: 'body.type must be a string' };
  if (b.msg_id !== undefined && !isNat(b.msg_id)) return { ok: false, code: 12, text: 'msg_id must be a non-negative integer' };
  const schema = Object.prototype.hasOwnProperty.call(schemas, b.type) ? schemas[b.type] : undefined;
  if (!schema) return { ok: false, code: 10, text: `unsupported message type ${JSON.stringify(b.type)}` };
  for (const [field, type] of fieldLists.get(schema)!) {
    const problem = checkField(type, b[field]);
    if (problem) return { ok: false, code: 12, text: `${b.type}.${field} ${problem}` };
  }
  if (schema.when) {
    const required = schema.when.is[String(b[schema.when.field])] ?? [];
    for (const field of required) {
      if (b[field] === undefined) {
        return { ok: false, code: 12, text: `${b.type}.${field} is required when ${schema.when.field} is ${String(b[schema.when.field])}` };
      }
    }
  }
  return { ok: true, schema };
}
