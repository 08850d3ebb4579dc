// Types for scripts/tlc.mjs (the TLC runner), for the tests that import it.
export const EXIT_OK: 0;
export const EXIT_UNEXPECTED: 1;
export const EXIT_USAGE: 2;
export const EXIT_NO_JAR: 3;
export const EXIT_NO_JAVA: 4;
export const root: string;
export const tlaDir: string;

export interface Found {
  path: string | null;
  reason?: string;
}
export function findJar(env?: NodeJS.ProcessEnv): Found;
export function findJava(env?: NodeJS.ProcessEnv): Found;

export interface Model {
  name: string;
  cfg: string;
  spec: string;
  long: boolean;
  expectViolation: boolean;
  /** Invariants (or step properties; "temporal" for liveness) allowed to catch the bug; empty means any. */
  invariants: string[];
  /** The TLA+ module checked (MCRaft unless the cfg says `\* module: X`). */
  module: string;
  /** Random simulation (`\* simulate: depth=N seed=S minutes=M`), or null for breadth-first search. */
  simulate: { depth: number; seed: number; minutes: number } | null;
}
export function modelExpectation(
  name: string,
  cfgText: string,
): { expectViolation: boolean; invariants: string[]; module: string; simulate: Model['simulate'] };
export function listModels(opts?: { long?: boolean; only?: string[] }): Model[];

export interface Parsed {
  result: 'pass' | 'violation' | 'error';
  invariant: string | null;
  states: number | null;
  distinct: number | null;
  left: number | null;
  depth: number | null;
  traceLength: number | null;
  tlcTime: string | null;
  simulation: { states: number; traces: number } | null;
  error: string | null;
}
export function parseTlcOutput(text: string): Parsed;
export function judge(model: Model, parsed: Parsed): { ok: boolean; why?: string };
export function summary(model: Model, parsed: Parsed, seconds: number, verdict: { ok: boolean; why?: string }): string;
export function runTlc(
  model: Model,
  opts: { jar: string; java?: string; workers?: number | string; onLine?: (line: string) => void },
): Promise<{ output: string; exitCode: number | null; seconds: number }>;
