// Checks a message body against the schemas of spec/messages.ts: 10 for an
// unknown type, 12 for a missing or mistyped field. Bodies arrive bounded in
// depth (src/maelstrom/codec.ts), and nothing here recurses into values.

import { limits, schemas, type BodySchema, type FieldType } from '../../spec/messages.js';

const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isKey = (v: unknown): boolean => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';

const OPS = new Set(['noop', 'read', 'write', 'cas', 'txn']);

/** A value quoted in an error text, cut short (the value may be a megabyte long). */
function brief(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

function checkTxn(v: unknown): string | null {
  if (!Array.isArray(v)) return 'must be an array of micro-ops';
  if (v.length > limits.maxTxnLength) return `has more than ${limits.maxTxnLength} micro-ops`;
  for (const m of v) {
    if (!Array.isArray(m) || m.length !== 3) return 'micro-ops must be [f, key, value]';
    if (m[0] !== 'r' && m[0] !== 'append') return `unknown micro-op ${brief(m[0])}`;
    if (!isKey(m[1])) return 'micro-op keys must be numbers or strings';
    if (m[0] === 'append' && m[2] === undefined) return 'append needs a value';
  }
  return null;
}

function checkOp(op: unknown): string | null {
  if (typeof op !== 'object' || op === null || Array.isArray(op)) return 'entry op must be an object';
  const o = op as Record<string, unknown>;
  if (typeof o.f !== 'string' || !OPS.has(o.f)) return `entry op has unknown f ${brief(o.f)}`;
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
    case 'bodies':
      if (!Array.isArray(v) || v.length === 0) return 'must be a non-empty array';
      if (v.length > limits.maxBodiesPerBatch) return `has more than ${limits.maxBodiesPerBatch} bodies`;
      return v.every((b) => typeof b === 'object' && b !== null && !Array.isArray(b) && typeof (b as { type?: unknown }).type === 'string')
        ? null
        : 'must hold message bodies (objects with a string type)';
    case 'text':
      return typeof v === 'string' ? null : 'must be a string';
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
  if (!schema) return { ok: false, code: 10, text: `unsupported message type ${brief(b.type)}` };
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
