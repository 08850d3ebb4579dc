// Types for scripts/tlc-trace.mjs (trace validation), for the tests that import it.

/** A line of a simulator trace (src/sim/trace.ts), as parsed from NDJSON. */
export interface TraceLine {
  i: number;
  t: number;
  node: string;
  transition: string;
  tla: string | null;
  event: { mtype?: string; timer?: string; mterm?: number; msource?: string; mdest?: string; [field: string]: unknown };
  vars: {
    currentTerm: number;
    state: string;
    votedFor: string | null;
    leader: string | null;
    log: { len: number; from?: number; entries?: unknown[] };
    [field: string]: unknown;
  };
  sends?: Record<string, unknown>[];
}
export interface Trace {
  header: { header: true; servers: string[]; maxBatch?: number; [field: string]: unknown };
  lines: TraceLine[];
}
export interface SpecLine {
  i: number;
  node: string;
  transition: string;
  action: string;
  branch: string;
  sendsVia: boolean;
  event: Record<string, unknown>;
  sends: Record<string, unknown>[];
  vars: Record<string, unknown>;
}
export interface SpecTrace {
  lines: SpecLine[];
  steps: number[];
  servers: string[];
  maxBatch: number;
}
export interface MappingEntry {
  tla: string | null;
  branch?: string;
  sendsVia?: string;
}
export interface TraceResult {
  ok: boolean;
  lines: number;
  rejected?: { line: TraceLine | undefined; sub: number; specBefore: string };
}

export function tlaString(s: string): string;
export function canonical(v: unknown): string;
export class ValueNames {
  of(value: unknown): string;
}
export function broadcastBases(lines: TraceLine[]): Map<string, number>;
export function parseTrace(ndjsonLines: string[]): Trace;
export function specTrace(trace: Trace, mapping: Readonly<Record<string, MappingEntry>>, names?: ValueNames): SpecTrace;
export function tlaValue(v: unknown): string;
export function traceDataModule(traces: SpecTrace[], files?: string[]): string;
export function lineAtDepth<T>(steps: number[], lines: T[], depth: number): { index: number; line: T; sub: number } | undefined;
export function validateTraces(
  traces: Trace[],
  opts: { jar: string; java?: string; workers?: number; keep?: string; mapping: Readonly<Record<string, MappingEntry>>; json?: boolean },
): Promise<{ results: TraceResult[]; states: number; expectedStates: number; seconds: number; error?: string }>;
export function explain(result: TraceResult): string[];
