// The mirror check: the chart (spec/chart.ts), what its actions write
// (spec/action-writes.ts), the mapping (spec/tla-mapping.ts) and the TLA+
// spec (tla/Raft.tla) must describe the same steps.
//
// `parseTlaModule` reads a TLA+ module with a real TLA+ parser (the
// tree-sitter grammar of the TLA+ community, @tlaplus/tree-sitter-tlaplus,
// run as WebAssembly by web-tree-sitter): its variables, its operator
// definitions and the disjuncts of its `Next`. From the syntax tree it
// computes, for any operator, the variables it changes (primed, following
// the operators it applies, minus those it only leaves UNCHANGED), its
// top-level conjuncts and the operators it refers to. The THEN branch of an
// `IF Bug(...)` is a bug model's deliberate mistake and does not count. `checkMirror` compares
// all that with the chart and the mapping and returns every problem it finds
// (an empty list means they line up). Both are pure apart from loading the
// grammar, so a test can edit one side in memory and expect a complaint.

import { createRequire } from 'node:module';
import ts from 'typescript';
import Parser from 'web-tree-sitter';

type SyntaxNode = Parser.SyntaxNode;

export interface TlaOperator {
  readonly name: string;
  readonly params: readonly string[];
  readonly body: SyntaxNode;
}

export interface TlaModuleInfo {
  readonly variables: ReadonlySet<string>;
  /** Operators defined at the top level of the module. */
  readonly operators: ReadonlyMap<string, TlaOperator>;
  /** The action named by each disjunct of `Next`, in order. */
  readonly nextActions: readonly string[];
  /** Syntax errors the parser reported (line: text). */
  readonly errors: readonly string[];
  /** Variables an operator may change: primed in it or in what it applies, not only UNCHANGED. */
  changes(operator: string): ReadonlySet<string>;
  /** Names of the operators that are top-level conjuncts of an operator's body (through LET ... IN). */
  conjuncts(operator: string): ReadonlySet<string>;
  /** Names the operator's body refers to (directly, or transitively when `deep`). */
  references(operator: string, deep?: boolean): ReadonlySet<string>;
}

let parserPromise: Promise<Parser> | undefined;

/** Loads the TLA+ grammar once (WebAssembly). */
export function tlaParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    const wasm = require.resolve('@tlaplus/tree-sitter-tlaplus/tree-sitter-tlaplus.wasm');
    const language = await Parser.Language.load(wasm);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

const MAX_DEPTH = 64;

/** Parses a TLA+ module (the grammar must be loaded: await tlaParser() first). */
export async function parseTlaModule(text: string): Promise<TlaModuleInfo> {
  const parser = await tlaParser();
  const tree = parser.parse(text);
  const root = tree.rootNode;
  const module = root.namedChildren.find((n) => n.type === 'module');
  const errors: string[] = [];
  const collectErrors = (n: SyntaxNode, depth: number): void => {
    if (depth > 400) return;
    if (n.type === 'ERROR' || n.isMissing) errors.push(`line ${n.startPosition.row + 1}: ${n.text.slice(0, 60)}`);
    if (n.hasError) for (const c of n.children) collectErrors(c, depth + 1);
  };
  collectErrors(root, 0);

  const variables = new Set<string>();
  const operators = new Map<string, TlaOperator>();
  for (const n of module?.namedChildren ?? []) {
    if (n.type === 'variable_declaration') {
      for (const c of n.namedChildren) if (c.type === 'identifier') variables.add(c.text);
    } else if (n.type === 'operator_definition') {
      const name = n.childForFieldName('name')?.text;
      const body = n.childForFieldName('definition');
      if (!name || !body) continue;
      const params = n.childrenForFieldName('parameter').map((p) => p.text);
      operators.set(name, { name, params, body });
    }
  }

  const nextActions: string[] = [];
  const next = operators.get('Next');
  if (next) {
    const items = next.body.type === 'disj_list' ? next.body.namedChildren.filter((c) => c.type === 'disj_item') : [next.body];
    for (const item of items) {
      let e: SyntaxNode | null = item.type === 'disj_item' ? (item.namedChildren.find((c) => c.type !== 'bullet_disj') ?? null) : item;
      while (e && e.type === 'bounded_quantification') e = e.childForFieldName('expression');
      const name = e ? operatorName(e) : undefined;
      if (name) nextActions.push(name);
    }
  }

  // ---- changes -------------------------------------------------------------
  const changeMemo = new Map<string, Set<string>>();
  const changesOf = (opName: string, depth: number, visiting: Set<string>): Set<string> => {
    const memo = changeMemo.get(opName);
    if (memo) return memo;
    const op = operators.get(opName);
    const out = new Set<string>();
    if (!op || visiting.has(opName) || depth > MAX_DEPTH) return out;
    visiting.add(opName);
    const walk = (n: SyntaxNode, d: number): void => {
      if (d > 2000) throw new Error(`${opName}: expression nested too deeply`);
      if (n.type === 'bound_prefix_op' && n.childForFieldName('symbol')?.type === 'unchanged') return;
      // `IF Bug("...") THEN A ELSE B`: A is a deliberate mistake of a bug
      // model, not the protocol; only B counts.
      if (n.type === 'if_then_else' && operatorName(n.childForFieldName('if') ?? n) === 'Bug') {
        const alt = n.childForFieldName('else');
        if (alt) walk(alt, d + 1);
        return;
      }
      if (n.type === 'bound_postfix_op' && n.childForFieldName('symbol')?.type === 'prime') {
        const lhs = n.childForFieldName('lhs');
        if (lhs?.type === 'identifier_ref' && variables.has(lhs.text)) out.add(lhs.text);
        else if (lhs?.type === 'identifier_ref' && operators.has(lhs.text)) {
          for (const v of tupleVariables(lhs.text, 0)) out.add(v);
        }
        return;
      }
      const applied = n.type === 'bound_op' || n.type === 'identifier_ref' ? operatorName(n) : undefined;
      if (applied && operators.has(applied)) {
        for (const v of changesOf(applied, depth + 1, visiting)) out.add(v);
      }
      for (const c of n.namedChildren) walk(c, d + 1);
    };
    walk(op.body, 0);
    visiting.delete(opName);
    changeMemo.set(opName, out);
    return out;
  };
  // The variables a tuple-valued operator (serverVars == <<a, b>>) stands for.
  const tupleVariables = (name: string, depth: number): string[] => {
    if (variables.has(name)) return [name];
    const op = operators.get(name);
    if (!op || depth > MAX_DEPTH || op.params.length > 0) return [];
    const out: string[] = [];
    const walk = (n: SyntaxNode): void => {
      if (n.type === 'identifier_ref') out.push(...tupleVariables(n.text, depth + 1));
      else for (const c of n.namedChildren) walk(c);
    };
    walk(op.body);
    return out;
  };

  const unwrapLet = (n: SyntaxNode): SyntaxNode => {
    let e = n;
    for (let k = 0; k < MAX_DEPTH && e.type === 'let_in'; k++) e = e.childForFieldName('expression') ?? e;
    return e;
  };
  const conjunctsOf = (opName: string): Set<string> => {
    const op = operators.get(opName);
    const out = new Set<string>();
    if (!op) return out;
    const visit = (n: SyntaxNode, depth: number): void => {
      if (depth > MAX_DEPTH) return;
      const e = unwrapLet(n);
      if (e.type === 'conj_list') {
        for (const item of e.namedChildren) {
          if (item.type !== 'conj_item') continue;
          const x = item.namedChildren.find((c) => c.type !== 'bullet_conj');
          if (x) visit(x, depth + 1);
        }
      } else if (e.type === 'bound_infix_op' && e.childForFieldName('symbol')?.type === 'land') {
        const lhs = e.childForFieldName('lhs');
        const rhs = e.childForFieldName('rhs');
        if (lhs) visit(lhs, depth + 1);
        if (rhs) visit(rhs, depth + 1);
      } else if (e.type === 'parentheses') {
        const x = e.namedChildren[0];
        if (x) visit(x, depth + 1);
      } else {
        const name = operatorName(e);
        if (name) out.add(name);
      }
    };
    visit(op.body, 0);
    return out;
  };

  const referencesOf = (opName: string, deep: boolean): Set<string> => {
    const out = new Set<string>();
    const seen = new Set<string>();
    const visitOp = (name: string, depth: number): void => {
      const op = operators.get(name);
      if (!op || seen.has(name) || depth > MAX_DEPTH) return;
      seen.add(name);
      const walk = (n: SyntaxNode, d: number): void => {
        if (d > 2000) return;
        if (n.type === 'identifier_ref') {
          out.add(n.text);
          if (deep) visitOp(n.text, depth + 1);
        }
        for (const c of n.namedChildren) walk(c, d + 1);
      };
      walk(op.body, 0);
    };
    visitOp(opName, 0);
    return out;
  };

  return {
    variables,
    operators,
    nextActions,
    errors,
    changes: (name) => changesOf(name, 0, new Set()),
    conjuncts: conjunctsOf,
    references: (name, deep = false) => referencesOf(name, deep),
  };
}

/** The operator an expression applies: `Op(args)` or a bare `Op`. */
function operatorName(n: SyntaxNode): string | undefined {
  if (n.type === 'bound_op') return n.childForFieldName('name')?.text;
  if (n.type === 'identifier_ref') return n.text;
  return undefined;
}

// ---- the code side -----------------------------------------------------------

/** For each property of the object literal `export const <name> = {...}` in a TypeScript source: the identifiers its value uses. */
export function identifiersByProperty(source: string, objectName: string): Map<string, Set<string>> {
  const file = ts.createSourceFile('guards.ts', source, ts.ScriptTarget.ES2022, true);
  const out = new Map<string, Set<string>>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === objectName && node.initializer) {
      let init: ts.Expression = node.initializer;
      while (ts.isSatisfiesExpression(init) || ts.isAsExpression(init) || ts.isParenthesizedExpression(init)) init = init.expression;
      if (ts.isObjectLiteralExpression(init)) {
        for (const p of init.properties) {
          if (!p.name || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) continue;
          const ids = new Set<string>();
          const walk = (n: ts.Node): void => {
            if (ts.isIdentifier(n)) ids.add(n.text);
            n.forEachChild(walk);
          };
          if (ts.isPropertyAssignment(p)) walk(p.initializer);
          else if (ts.isMethodDeclaration(p) && p.body) walk(p.body);
          out.set(p.name.text, ids);
        }
      }
    }
    node.forEachChild(visit);
  };
  visit(file);
  return out;
}

// ---- the check ---------------------------------------------------------------

export interface ChartTransition {
  readonly name: string;
  readonly source: string;
  readonly on: readonly string[];
  readonly guard?: string;
  readonly target?: string;
  readonly actions: readonly string[];
}

export interface MirrorEntryLike {
  readonly tla: string | null;
  readonly why?: string;
  readonly branch?: string;
  /** The action sending the transition's `send` writes, or one action per write kind. */
  readonly sendsVia?: string | Readonly<Record<string, string>>;
  readonly guardNotModelled?: string;
  readonly alsoWrites?: { readonly vars: readonly string[]; readonly why: string };
  readonly notModelledYet?: boolean;
}

export interface MirrorInputs {
  readonly transitions: readonly ChartTransition[];
  /** Entry actions per role (they run whenever a transition targets the role). */
  readonly entryActions: Readonly<Record<string, readonly string[]>>;
  /** The chart's message events from other servers (receiving one consumes it). */
  readonly messageEvents: readonly string[];
  readonly mapping: Readonly<Record<string, MirrorEntryLike>>;
  readonly environmentActions: readonly string[];
  readonly actionWrites: Readonly<Record<string, readonly string[]>>;
  readonly tlaVariables: Readonly<Record<string, string | readonly string[] | null>>;
  readonly roleVariable: string;
  readonly networkVariable: string;
  readonly historyVariables: readonly string[];
  readonly guardConditions: Readonly<Record<string, readonly { readonly tla: string; readonly code: string }[]>>;
  /** Identifiers used by each guard's implementation (machines/guards.ts). */
  readonly guardCode: ReadonlyMap<string, ReadonlySet<string>>;
  readonly tla: TlaModuleInfo;
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The actions a mapping entry's sendsVia names, by the write whose messages they send. */
export function sendsViaByWrite(entry: MirrorEntryLike | undefined): ReadonlyMap<string, string> {
  const via = entry?.sendsVia;
  if (via === undefined) return new Map();
  return typeof via === 'string' ? new Map([['send', via]]) : new Map(Object.entries(via));
}
const sorted = (s: Iterable<string>): string => [...s].sort().join(', ') || 'nothing';

/** The TLA+ variables a chart transition writes, by the declarations. */
export function chartVariables(t: ChartTransition, inputs: MirrorInputs): { vars: Set<string>; problems: string[] } {
  const vars = new Set<string>();
  const problems: string[] = [];
  const entry = inputs.mapping[t.name];
  const via = sendsViaByWrite(entry);
  const actions = [...t.actions, ...(t.target ? (inputs.entryActions[t.target] ?? []) : [])];
  for (const a of actions) {
    const writes = inputs.actionWrites[a];
    if (!writes) {
      problems.push(`chart action ${a} (in ${t.name}) is not declared in spec/action-writes.ts`);
      continue;
    }
    for (const w of writes) {
      if (!(w in inputs.tlaVariables)) {
        problems.push(`write ${w} of ${a} has no entry in tlaVariables (spec/tla-mapping.ts)`);
        continue;
      }
      const mapped = inputs.tlaVariables[w];
      if (mapped === null || mapped === undefined) continue;
      for (const v of typeof mapped === 'string' ? [mapped] : mapped) {
        // messages that other steps send (AppendEntries(i, j), SendSnapshot(i, j))
        if (v === inputs.networkVariable && via.has(w)) continue;
        vars.add(v);
      }
    }
  }
  if (t.target) vars.add(inputs.roleVariable);
  if (entry?.alsoWrites) {
    if (entry.alsoWrites.why.trim() === '') problems.push(`${t.name}: alsoWrites gives no reason`);
    for (const v of entry.alsoWrites.vars) vars.add(v);
  }
  const consumes = t.on.some((e) => inputs.messageEvents.includes(e)) && !t.actions.includes('reprocessEvent');
  if (consumes) vars.add(inputs.networkVariable);
  return { vars, problems };
}

/** Every way the chart, the mapping and the TLA+ spec fail to line up. */
export function checkMirror(inputs: MirrorInputs): string[] {
  const { transitions, mapping, environmentActions, tla } = inputs;
  const problems: string[] = [];
  for (const e of tla.errors) problems.push(`tla/Raft.tla does not parse: ${e}`);
  const transitionNames = new Set(transitions.map((t) => t.name));
  const inNext = new Set(tla.nextActions);
  const history = new Set(inputs.historyVariables);

  if (tla.nextActions.length === 0) problems.push('tla/Raft.tla: found no disjuncts in Next');
  for (const action of tla.nextActions) {
    if (!tla.operators.has(action)) problems.push(`Next names ${action}, which tla/Raft.tla does not define`);
  }
  const named = Object.values(inputs.tlaVariables).flatMap((v) => (v === null ? [] : typeof v === 'string' ? [v] : [...v]));
  for (const v of [...named, inputs.roleVariable, inputs.networkVariable, ...inputs.historyVariables]) {
    if (!tla.variables.has(v)) problems.push(`the mapping names the TLA+ variable ${v}, which tla/Raft.tla does not declare`);
  }

  for (const name of transitionNames) {
    if (!(name in mapping)) problems.push(`chart transition ${name} has no entry in the TLA+ mapping`);
  }

  const mirrored = new Set<string>();
  // The actions by whose steps a transition's messages go (sendsVia) must send.
  const checkSenders = (name: string, entry: MirrorEntryLike): void => {
    for (const sender of new Set(sendsViaByWrite(entry).values())) {
      if (!tla.operators.has(sender) || !inNext.has(sender)) {
        problems.push(`${name} sends via ${sender}, which is not an action of Next`);
      } else if (!tla.changes(sender).has(inputs.networkVariable)) {
        problems.push(`${name} sends via ${sender}, which sends nothing (leaves ${inputs.networkVariable} unchanged)`);
      } else mirrored.add(sender);
    }
  };
  for (const t of transitions) {
    const entry = mapping[t.name];
    if (!entry) continue;
    if (entry.tla === null) {
      if (!entry.why || entry.why.trim() === '') problems.push(`the mapping of ${t.name} is null but gives no reason (why)`);
      checkSenders(t.name, entry);
      const { vars, problems: p } = chartVariables(t, inputs);
      problems.push(...p);
      if (vars.size > 0 && !entry.notModelledYet) problems.push(`${t.name} mirrors no TLA+ action but writes ${sorted(vars)}`);
      if (vars.size === 0 && entry.notModelledYet) problems.push(`${t.name} is marked not modelled yet but writes nothing the spec models`);
      continue;
    }
    if (!tla.operators.has(entry.tla)) {
      problems.push(`the mapping says ${t.name} mirrors ${entry.tla}, which tla/Raft.tla does not define`);
      continue;
    }
    if (!inNext.has(entry.tla)) problems.push(`the mapping says ${t.name} mirrors ${entry.tla}, which is not a disjunct of Next`);
    if (environmentActions.includes(entry.tla)) {
      problems.push(`the mapping says ${t.name} mirrors ${entry.tla}, which is listed as an environment action`);
    }
    mirrored.add(entry.tla);
    const branch = entry.branch ?? entry.tla;
    if (!tla.operators.has(branch)) {
      problems.push(`the mapping says ${t.name} is the branch ${branch} of ${entry.tla}, which tla/Raft.tla does not define`);
      continue;
    }
    if (branch !== entry.tla && !tla.references(entry.tla, true).has(branch)) {
      problems.push(`the mapping says ${t.name} is the branch ${branch} of ${entry.tla}, but ${entry.tla} does not use ${branch}`);
    }
    checkSenders(t.name, entry);

    // The variables: exactly the same, history aside.
    const { vars: chart, problems: p } = chartVariables(t, inputs);
    problems.push(...p);
    const spec = new Set([...tla.changes(branch)].filter((v) => !history.has(v)));
    const onlyChart = [...chart].filter((v) => !spec.has(v));
    const onlySpec = [...spec].filter((v) => !chart.has(v));
    if (onlyChart.length > 0) {
      problems.push(`${t.name}: the chart writes ${sorted(onlyChart)}, which ${branch} leaves unchanged`);
    }
    if (onlySpec.length > 0) {
      problems.push(`${t.name}: ${branch} changes ${sorted(onlySpec)}, which the chart's transition does not write`);
    }

    // The guard: a conjunct of the branch under the same name.
    if (t.guard) {
      const op = capital(t.guard);
      if (entry.guardNotModelled !== undefined) {
        if (entry.guardNotModelled.trim() === '') problems.push(`${t.name}: guardNotModelled gives no reason`);
        if (tla.operators.has(op)) problems.push(`${t.name}: the mapping says guard ${t.guard} is not modelled, but tla/Raft.tla defines ${op}`);
      } else if (!tla.operators.has(op)) {
        problems.push(`${t.name}: the chart's guard ${t.guard} has no TLA+ operator ${op}`);
      } else if (!tla.conjuncts(branch).has(op)) {
        problems.push(`${t.name}: ${op} (the chart's guard ${t.guard}) is not a conjunct of ${branch}`);
      }
    } else if (entry.guardNotModelled !== undefined) {
      problems.push(`${t.name} has no guard, but the mapping says its guard is not modelled`);
    }
  }

  // Conditions a guard tests, on both sides.
  const guardsUsed = new Set(transitions.map((t) => t.guard).filter((g): g is string => g !== undefined));
  for (const [guard, conditions] of Object.entries(inputs.guardConditions)) {
    if (!guardsUsed.has(guard)) {
      problems.push(`guardConditions names ${guard}, which no chart transition uses`);
      continue;
    }
    const op = capital(guard);
    const code = inputs.guardCode.get(guard);
    for (const c of conditions) {
      if (!tla.operators.has(op) || !tla.references(op).has(c.tla)) {
        problems.push(`${op} (the chart's guard ${guard}) does not test ${c.tla}`);
      }
      if (!code) problems.push(`machines/guards.ts defines no guard ${guard}`);
      else if (!code.has(c.code)) problems.push(`the guard ${guard} in machines/guards.ts does not call ${c.code}`);
    }
  }

  for (const name of Object.keys(mapping)) {
    if (!transitionNames.has(name)) problems.push(`the mapping names transition ${name}, which the chart does not have`);
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
