#!/usr/bin/env node
// Runs TLC on the models in tla/ and prints one summary line per model.
//
//   npm run tlc                    the main models and every bug model
//   npm run tlc -- --long          also the long-run models (MCRaftLarge*.cfg)
//   npm run tlc -- MCRaftBugTwoVotes MCRaft   only the named models
//   npm run tlc -- --workers 4     TLC workers (default 2)
//
// Models are the tla/MCRaft*.cfg files, checking tla/MCRaft.tla (or the module
// a cfg names on a comment line `\* module: MCRaftLive`). A model whose name
// starts with MCRaftBug must end in a violation (of an invariant, a step
// property or a liveness property); every other model must finish without
// one. A cfg may say which properties may catch its bug with a comment line
// `\* expect: violation Inv1 Inv2` ("temporal" for a liveness property); if
// it does, a violation of any other counts as a failure too. A cfg with a
// line `\* simulate: depth=100 seed=7 minutes=10` runs in TLC's random
// simulation mode, from that seed, for that long (models MCRaftLarge* run
// only with --long).
//
// The jar is $TLA2TOOLS_JAR, else tla/tla2tools.jar (tla/download-tla2tools.sh
// fetches a pinned release). Exit status: 0 all as expected, 1 some model not
// as expected, 2 bad arguments, 3 no tla2tools.jar, 4 no java.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_USAGE = 2;
export const EXIT_NO_JAR = 3;
export const EXIT_NO_JAVA = 4;

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const tlaDir = join(root, 'tla');

/** Where the jar is, and why not when it is not there. */
export function findJar(env = process.env) {
  if (env.TLA2TOOLS_JAR) {
    const path = resolve(env.TLA2TOOLS_JAR);
    return existsSync(path)
      ? { path }
      : { path: null, reason: `TLA2TOOLS_JAR is set to ${path}, which does not exist` };
  }
  const path = join(tlaDir, 'tla2tools.jar');
  return existsSync(path)
    ? { path }
    : {
        path: null,
        reason:
          'no tla2tools.jar: run tla/download-tla2tools.sh (needs network) or set TLA2TOOLS_JAR to a tla2tools.jar',
      };
}

/** The java executable, and why not when there is none. */
export function findJava(env = process.env) {
  const java = env.JAVA ?? (env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java');
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return { path: null, reason: `no java (tried ${java}): TLC needs Java 11 or newer` };
  }
  return { path: java };
}

/** Reads the expectation a cfg declares (by name and by `\* expect:` line). */
export function modelExpectation(name, cfgText) {
  const bug = name.startsWith('MCRaftBug');
  const line = /^\\\*\s*expect:\s*violation\b(.*)$/m.exec(cfgText);
  const invariants = line ? line[1].trim().split(/[\s,]+/).filter(Boolean) : [];
  const module = /^\\\*\s*module:\s*(\w+)\s*$/m.exec(cfgText)?.[1] ?? 'MCRaft';
  const sim = /^\\\*\s*simulate:(.*)$/m.exec(cfgText);
  let simulate = null;
  if (sim) {
    const opt = Object.fromEntries([...sim[1].matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    simulate = { depth: opt.depth ?? 100, seed: opt.seed ?? 1, minutes: opt.minutes ?? 10 };
  }
  return { expectViolation: bug, invariants, module, simulate };
}

/** The models in tla/, main models first, then bug models. */
export function listModels({ long = false, only = [] } = {}) {
  const cfgs = readdirSync(tlaDir)
    .filter((f) => /^MCRaft.*\.cfg$/.test(f))
    .sort((a, b) => {
      const rank = (f) => (f.startsWith('MCRaftBug') ? 2 : f.startsWith('MCRaftLarge') ? 1 : 0);
      return rank(a) - rank(b) || a.localeCompare(b);
    });
  const models = cfgs.map((cfg) => {
    const name = cfg.replace(/\.cfg$/, '');
    const text = readFileSync(join(tlaDir, cfg), 'utf8');
    const expectation = modelExpectation(name, text);
    return {
      spec: join(tlaDir, `${expectation.module}.tla`),
      name,
      cfg: join(tlaDir, cfg),
      long: name.startsWith('MCRaftLarge'),
      ...modelExpectation(name, text),
    };
  });
  if (only.length > 0) {
    const unknown = only.filter((n) => !models.some((m) => m.name === n));
    if (unknown.length > 0) throw new Error(`unknown model(s): ${unknown.join(', ')}`);
    return models.filter((m) => only.includes(m.name));
  }
  return models.filter((m) => long || !m.long);
}

const num = (s) => Number(s.replace(/,/g, ''));

/** Extracts the result and the counts from TLC's output. */
export function parseTlcOutput(text) {
  const stats = [...text.matchAll(/([\d,]+) states generated, ([\d,]+) distinct states found, ([\d,]+) states left on queue/g)].pop();
  const depth = /The depth of the complete state graph search is (\d+)/.exec(text);
  const finished = /Finished in (.+?) at /.exec(text);
  // A violated invariant or step property names itself; a violated liveness
  // property is reported as "Temporal properties were violated" (newer TLC:
  // "Temporal property P was violated"); both count as `temporal`.
  const invariant =
    /Error: Invariant (\w+) is violated/.exec(text) ??
    /Error: Action property (\w+) is violated/.exec(text) ??
    (/Error: Temporal properties were violated/.test(text) ||
    /Error: Temporal property \w+ was violated/.test(text) // newer TLC names the property
      ? [null, 'temporal']
      : null);
  const traceStates = [...text.matchAll(/^State (\d+): /gm)].map((m) => Number(m[1]));
  const success = /Model checking completed\. No error has been found\./.test(text);
  // Random simulation: "Progress: N states checked, M traces generated ..."
  const simProgress = [...text.matchAll(/(\d[\d,]*) states checked, (\d[\d,]*) traces generated/g)].pop();
  const errorLine = /^Error: .*$/m.exec(text);
  let result;
  if (invariant) result = 'violation';
  else if (success) result = 'pass';
  else if (simProgress && !/^Error: /m.test(text)) result = 'pass';
  else result = 'error';
  return {
    result,
    invariant: invariant ? invariant[1] : null,
    states: stats ? num(stats[1]) : null,
    distinct: stats ? num(stats[2]) : null,
    left: stats ? num(stats[3]) : null,
    depth: depth ? Number(depth[1]) : null,
    traceLength: traceStates.length > 0 ? Math.max(...traceStates) : null,
    tlcTime: finished ? finished[1] : null,
    simulation: simProgress ? { states: num(simProgress[1]), traces: num(simProgress[2]) } : null,
    error: result === 'error' ? (errorLine ? errorLine[0] : 'TLC ended without a result') : null,
  };
}

/** Whether a parsed result is what the model expects; a reason when not. */
export function judge(model, parsed) {
  if (parsed.result === 'error') return { ok: false, why: parsed.error };
  if (!model.expectViolation) {
    return parsed.result === 'pass'
      ? { ok: true }
      : { ok: false, why: `invariant ${parsed.invariant} violated in a main model` };
  }
  if (parsed.result !== 'violation') return { ok: false, why: 'bug model: TLC found no violation' };
  if (model.invariants.length > 0 && !model.invariants.includes(parsed.invariant)) {
    return {
      ok: false,
      why: `bug model: ${parsed.invariant} violated, expected one of ${model.invariants.join(', ')}`,
    };
  }
  return { ok: true };
}

/** One summary line. */
export function summary(model, parsed, seconds, verdict) {
  const fmt = (n) => (n === null ? '?' : n.toLocaleString('en-US'));
  const what =
    parsed.result === 'violation'
      ? `violation of ${parsed.invariant} (trace of ${parsed.traceLength ?? '?'} states)`
      : parsed.result === 'pass'
        ? 'no violation'
        : 'error';
  const counts = parsed.simulation
    ? `random simulation (seed ${model.simulate?.seed}, depth ${model.simulate?.depth}): ${fmt(parsed.simulation.states)} states checked in ${fmt(parsed.simulation.traces)} behaviours, `
    : `${fmt(parsed.states)} states, ${fmt(parsed.distinct)} distinct, depth ${parsed.depth ?? '?'}, `;
  return (
    `${verdict.ok ? 'ok  ' : 'FAIL'} ${model.name.padEnd(28)} ${what}; ` +
    counts +
    `${seconds.toFixed(1)} s${parsed.tlcTime ? ` (TLC: ${parsed.tlcTime})` : ''}` +
    (verdict.ok ? '' : ` -- ${verdict.why}`)
  );
}

/** Runs TLC on one model; resolves to its full output and the wall time. */
export function runTlc(model, { jar, java = 'java', workers = 2, onLine } = {}) {
  const metadir = mkdtempSync(join(tmpdir(), `tlc-${model.name}-`));
  const args = [
    '-XX:+UseParallelGC',
    '-cp',
    jar,
    'tlc2.TLC',
    '-workers',
    String(workers),
    '-deadlock', // a bounded model stops at its bounds: that is no deadlock
    '-noGenerateSpecTE',
    '-metadir',
    metadir,
    ...(model.simulate
      ? ['-simulate', '-depth', String(model.simulate.depth), '-seed', String(model.simulate.seed)]
      : []),
    '-config',
    model.cfg,
    model.spec,
  ];
  const start = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(java, args, { cwd: tlaDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let partial = '';
    const take = (chunk) => {
      const text = chunk.toString();
      out += text;
      if (onLine) {
        partial += text;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    // A random simulation runs until it finds a violation or its time is up.
    const timer = model.simulate ? setTimeout(() => child.kill('SIGTERM'), model.simulate.minutes * 60_000) : undefined;
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      rmSync(metadir, { recursive: true, force: true });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      resolvePromise({ output: out, exitCode: code, seconds });
    });
  });
}

async function main(argv) {
  const only = [];
  let long = false;
  let workers = 2;
  let verbose = false;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--long') long = true;
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--workers') workers = argv[++k];
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run tlc -- [--long] [--workers N] [--verbose] [MODEL...]');
      return EXIT_OK;
    } else if (a.startsWith('-')) {
      console.error(`tlc: unknown option ${a}`);
      return EXIT_USAGE;
    } else only.push(a.replace(/\.cfg$/, ''));
  }
  const jar = findJar();
  if (!jar.path) {
    console.error(`tlc: NOT RUN: ${jar.reason}`);
    return EXIT_NO_JAR;
  }
  const java = findJava();
  if (!java.path) {
    console.error(`tlc: NOT RUN: ${java.reason}`);
    return EXIT_NO_JAVA;
  }
  let models;
  try {
    models = listModels({ long, only });
  } catch (e) {
    console.error(`tlc: ${e.message}`);
    return EXIT_USAGE;
  }
  console.log(`tlc: ${jar.path}, ${models.length} model(s), ${workers} worker(s)`);
  let failures = 0;
  for (const model of models) {
    const progress = (line) => {
      if (verbose || /^Progress/.test(line)) process.stderr.write(`  ${model.name}: ${line}\n`);
    };
    const { output, seconds } = await runTlc(model, {
      jar: jar.path,
      java: java.path,
      workers,
      onLine: progress,
    });
    const parsed = parseTlcOutput(output);
    const verdict = judge(model, parsed);
    if (!verdict.ok) failures++;
    console.log(summary(model, parsed, seconds, verdict));
    if (!verdict.ok && !verbose) {
      process.stderr.write(output.split('\n').slice(-40).join('\n') + '\n');
    }
  }
  console.log(failures === 0 ? 'tlc: all models as expected' : `tlc: ${failures} model(s) NOT as expected`);
  return failures === 0 ? EXIT_OK : EXIT_UNEXPECTED;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(EXIT_UNEXPECTED);
    },
  );
}
