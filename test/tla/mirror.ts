// The mirror check: the chart (spec/chart.ts), the mapping (spec/tla-mapping.ts)
// and the TLA+ spec (tla/Raft.tla) must name the same steps.
//
// `parseTla` reads the operator definitions of a TLA+ module and the disjuncts
// of its `Next`; `checkMirror` compares them with the chart's transitions and
// the mapping and returns every problem it finds (an empty list means the
// three line up). Both are pure, so a test can rename one side in memory and
// expect a complaint.

export interface TlaModuleInfo {
  /** Names of every operator defined at the top level (`Name == ...`, `Name(a, b) == ...`). */
  readonly operators: ReadonlySet<string>;
  /** The action named by each disjunct of `Next`, in order. */
  readonly nextActions: readonly string[];
}

export interface MirrorInputs {
  readonly transitions: readonly { readonly name: string }[];
  readonly mapping: Readonly<Record<string, { readonly tla: string | null; readonly why?: string }>>;
  readonly environmentActions: readonly string[];
  readonly tla: TlaModuleInfo;
}

/** Removes `(* ... *)` comments (nested) and `\*` line comments, keeping line breaks. */
export function stripTlaComments(text: string): string {
  let out = '';
  let depth = 0;
  for (let k = 0; k < text.length; k++) {
    const two = text.slice(k, k + 2);
    if (two === '(*') {
      depth++;
      k++;
      continue;
    }
    if (depth > 0 && two === '*)') {
      depth--;
      k++;
      continue;
    }
    if (depth > 0) {
      if (text[k] === '\n') out += '\n';
      continue;
    }
    if (two === '\\*') {
      while (k < text.length && text[k] !== '\n') k++;
      out += '\n';
      continue;
    }
    out += text[k];
  }
  return out;
}

// A definition starts a line: `Name ==`, `Name(args) ==`, or an infix/prefix form we ignore.
const DEFINITION = /^([A-Za-z_][A-Za-z0-9_]*)\s*(\([^)]*\))?\s*==/;

/** The operator definitions and the disjuncts of `Next` of a TLA+ module's text. */
export function parseTla(text: string): TlaModuleInfo {
  const lines = stripTlaComments(text).split('\n');
  const operators = new Set<string>();
  let nextStart = -1;
  let nextEnd = lines.length;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k] ?? '';
    const m = DEFINITION.exec(line);
    // Next's body is indented; the first line that starts at column 0 ends it.
    const endsBody = /^\S/.test(line);
    if (nextStart >= 0 && nextEnd === lines.length && k > nextStart && endsBody) nextEnd = k;
    if (m) {
      operators.add(m[1]!);
      if (m[1] === 'Next') nextStart = k;
    }
  }
  const nextActions: string[] = [];
  if (nextStart >= 0) {
    const body = lines
      .slice(nextStart, nextEnd)
      .join('\n')
      .replace(/^Next\s*==/, '');
    // Top-level disjuncts are `\/` bullets; each may be wrapped in quantifiers
    // (`\E x \in S, y \in T :`), after which comes the action's name.
    for (const part of body.split('\\/')) {
      let d = part.trim();
      if (d === '') continue;
      for (;;) {
        const q = /^\\[EA]\s[^:]*:\s*/.exec(d);
        if (!q) break;
        d = d.slice(q[0].length);
      }
      const name = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(d);
      if (name) nextActions.push(name[1]!);
    }
  }
  return { operators, nextActions };
}

/** Every way the chart, the mapping and the TLA+ spec fail to line up. */
export function checkMirror({ transitions, mapping, environmentActions, tla }: MirrorInputs): string[] {
  const problems: string[] = [];
  const transitionNames = new Set(transitions.map((t) => t.name));
  const inNext = new Set(tla.nextActions);

  if (tla.nextActions.length === 0) problems.push('tla/Raft.tla: found no disjuncts in Next');
  for (const action of tla.nextActions) {
    if (!tla.operators.has(action)) problems.push(`Next names ${action}, which tla/Raft.tla does not define`);
  }

  for (const name of transitionNames) {
    if (!(name in mapping)) problems.push(`chart transition ${name} has no entry in the TLA+ mapping`);
  }

  const mirrored = new Set<string>();
  for (const [name, entry] of Object.entries(mapping)) {
    if (!transitionNames.has(name)) problems.push(`the mapping names transition ${name}, which the chart does not have`);
    if (entry.tla === null) {
      if (!entry.why || entry.why.trim() === '') {
        problems.push(`the mapping of ${name} is null but gives no reason (why)`);
      }
      continue;
    }
    if (!tla.operators.has(entry.tla)) {
      problems.push(`the mapping says ${name} mirrors ${entry.tla}, which tla/Raft.tla does not define`);
    } else if (!inNext.has(entry.tla)) {
      problems.push(`the mapping says ${name} mirrors ${entry.tla}, which is not a disjunct of Next`);
    }
    if (environmentActions.includes(entry.tla)) {
      problems.push(`the mapping says ${name} mirrors ${entry.tla}, which is listed as an environment action`);
    }
    // only a transition the chart has can mirror an action
    if (transitionNames.has(name)) mirrored.add(entry.tla);
  }

  for (const env of environmentActions) {
    if (!inNext.has(env)) problems.push(`environment action ${env} is not a disjunct of Next in tla/Raft.tla`);
  }

  for (const action of new Set(tla.nextActions)) {
    if (!mirrored.has(action) && !environmentActions.includes(action)) {
      problems.push(`TLA+ action ${action} (in Next) is mirrored by no chart transition and is not an environment action`);
    }
  }
  return problems;
}
