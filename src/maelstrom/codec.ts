// The wire codec: one JSON message per line, checked against limits before
// anything else looks at it. Input is untrusted: a line is bounded in length
// and nesting depth before JSON.parse sees it, so no later step (validation,
// logging, replication, the state machine, JSON.stringify) can recurse without
// bound or allocate without bound. A line that cannot be accepted still tells
// us, where it can, whom to answer: `envelopeOf` scans it without parsing it.

/** Limits on what a node accepts; the binary reads them from the environment. */
export interface InputLimits {
  /** Longest input line, in bytes (RAFT_MAX_LINE_BYTES). */
  readonly maxLineBytes: number;
  /** Deepest nesting of arrays and objects in a line (RAFT_MAX_DEPTH). */
  readonly maxDepth: number;
  /** Largest client request that may become a log entry, in bytes of JSON (RAFT_MAX_ENTRY_BYTES). */
  readonly maxEntryBytes: number;
}

export const defaultLimits: InputLimits = {
  maxLineBytes: 1024 * 1024,
  maxDepth: 64,
  maxEntryBytes: 256 * 1024,
};

/**
 * How many levels of nesting Raft adds around a client's value on its way
 * through the cluster: a value nested d deep sits at depth 2 + d in a
 * client's write, and at 5 + d inside an AppendEntries (entries array, entry,
 * op); a txn's reply wraps a list around it. A client request may therefore
 * nest at most maxDepth - CLIENT_DEPTH_MARGIN levels, so that every message
 * it becomes fits the same limit at every node.
 */
export const CLIENT_DEPTH_MARGIN = 4;

/** Who sent a line and which request it was, as far as a scan can tell. */
export interface Envelope {
  readonly src?: string;
  readonly dest?: string;
  readonly msgId?: number;
}

export type Decoded =
  | { readonly ok: true; readonly message: unknown; readonly depth: number }
  | { readonly ok: false; readonly text: string; readonly envelope: Envelope };

/** Decodes one line (already known to be within the length limit). */
export function decodeLine(line: string, limits: InputLimits): Decoded {
  const depth = nestingDepth(line, limits.maxDepth);
  if (depth > limits.maxDepth) {
    return {
      ok: false,
      text: `message nests deeper than RAFT_MAX_DEPTH=${limits.maxDepth}`,
      envelope: envelopeOf(line),
    };
  }
  try {
    return { ok: true, message: JSON.parse(line), depth };
  } catch {
    return { ok: false, text: 'malformed JSON', envelope: envelopeOf(line) };
  }
}

/**
 * The deepest nesting of arrays and objects in a JSON text, counting outside
 * strings only; stops counting once past `stopAbove` (returns stopAbove + 1).
 * Linear, no recursion, works on malformed text too.
 */
export function nestingDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
    }
  }
  return max;
}

/**
 * Finds the top-level `src` and `dest` strings and the `msg_id` number of the top-level
 * `body` object by scanning the text, without parsing it and without
 * recursion: it works on lines that are too deep, too long (given their
 * first bytes) or not valid JSON at all, as far as their envelope reads.
 */
export function envelopeOf(text: string, maxScan = 64 * 1024): Envelope {
  let src: string | undefined;
  let dest: string | undefined;
  let msgId: number | undefined;
  const end = Math.min(text.length, maxScan);
  // Per open container: is it an object, and the key being read or just read.
  const isObject: boolean[] = [];
  const keys: (string | undefined)[] = [];
  let expectKey = false;
  let i = 0;
  while (i < end && (src === undefined || dest === undefined || msgId === undefined)) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: read it (bounded), decide whether it is a key or a value.
      let j = i + 1;
      let s = '';
      let simple = true;
      while (j < end && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c) {
          simple = false;
          j += 2;
        } else {
          if (s.length < 256) s += text[j];
          j++;
        }
      }
      const depth = isObject.length;
      if (expectKey && isObject[depth - 1]) {
        keys[depth - 1] = s;
        expectKey = false;
      } else if (depth === 1 && (keys[0] === 'src' || keys[0] === 'dest') && simple && s.length > 0 && s.length < 256) {
        if (keys[0] === 'src') src = s;
        else dest = s;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      isObject.push(c === 0x7b);
      keys.push(undefined);
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      isObject.pop();
      keys.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = isObject[isObject.length - 1] === true;
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      let j = i;
      while (j < end && /[0-9eE+\-.]/.test(text[j]!)) j++;
      const depth = isObject.length;
      if (depth === 2 && keys[0] === 'body' && keys[1] === 'msg_id') {
        const n = Number(text.slice(i, j));
        if (Number.isSafeInteger(n) && n >= 0) msgId = n;
      }
      i = j;
      continue;
    }
    i++;
  }
  return { ...(src !== undefined ? { src } : {}), ...(dest !== undefined ? { dest } : {}), ...(msgId !== undefined ? { msgId } : {}) };
}

/** A short, safe description of a line for a log: its start and its length, never the whole line. */
export function excerpt(text: string, max = 120): string {
  // Control characters would break a log line; show them escaped.
  // eslint-disable-next-line no-control-regex
  const head = text.slice(0, max).replace(/[\u0000-\u001f\u007f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > max ? `${head}... (${text.length} chars)` : head;
}

/**
 * The nesting depth of a parsed value (a scalar is 0, `[]` is 1), without
 * recursion; stops once past `stopAbove` (returns stopAbove + 1).
 */
export function valueDepth(value: unknown, stopAbove = Infinity): number {
  if (typeof value !== 'object' || value === null) return 0;
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) {
      max = d;
      if (max > stopAbove) return max;
    }
    const children = Array.isArray(v) ? v : Object.values(v as object);
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push([c, d + 1]);
  }
  return max;
}
