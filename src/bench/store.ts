// Writes a run's artefacts into store/<workload>/<timestamp>/ and points
// store/latest at it. `writeAnalysis` writes everything that follows from
// the history and the results (plots, linear.svg per invalid key,
// results.json, the report); `raftchart analyze` calls it again after
// re-checking a stored history.

import { createWriteStream, readdirSync } from 'node:fs';
import { rm, symlink, writeFile, rename } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { JournalRecord } from './net.js';
import { writeRunReport, type ResultsLike } from '../viz/report.js';
import { linearFileName, linearSvg } from './report/linear.js';
import { latencyQuantilesSvg, latencySvg, messagesSvg, rateSvg, timelineHtml, type FaultShading } from './report/svg.js';
import type { BenchResults, HistoryEvent } from './types.js';

function fmtHistoryLine(e: HistoryEvent): string {
  const t = (e.time / 1e9).toFixed(3).padStart(8);
  const v = JSON.stringify(e.value);
  const err = e.error === undefined ? '' : `\t${JSON.stringify(e.error)}`;
  return `#${e.index}\t${t}\t${e.process}\t${e.client}->${e.node}\t:${e.type}\t:${e.f}\t[${e.key} ${v}]${err}`;
}

/** Writes lines in chunks of about 1 MB (a million lines are a million stream writes otherwise). */
async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const ws = createWriteStream(path);
  let chunk: string[] = [];
  let size = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const ok = ws.write(chunk.join('\n') + '\n');
    chunk = [];
    size = 0;
    if (!ok) await new Promise<void>((r) => ws.once('drain', () => r()));
  };
  for (const l of lines) {
    chunk.push(l);
    size += l.length;
    if (size > 1_000_000) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) => ws.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export const BASE_FILES: Record<string, string> = {
  results: 'results.json',
  history: 'history.jsonl',
  historyText: 'history.txt',
  latency: 'latency-raw.svg',
  latencyQuantiles: 'latency-quantiles.svg',
  rate: 'rate.svg',
  timeline: 'timeline.html',
  messages: 'messages.svg',
  nodeLogs: 'node-logs/',
  report: 'index.html',
};

export async function writeStore(
  dir: string,
  storeRoot: string,
  results: BenchResults,
  history: readonly HistoryEvent[],
  journal: readonly JournalRecord[],
  journalTruncated: boolean,
): Promise<void> {
  results.files = { ...BASE_FILES, ...(results.dataDir ? { data: results.dataDir } : {}) };
  await writeLines(join(dir, BASE_FILES.history!), (function* () {
    for (const e of history) yield JSON.stringify(e);
  })());
  await writeLines(join(dir, BASE_FILES.historyText!), (function* () {
    for (const e of history) yield fmtHistoryLine(e);
  })());
  await writeFile(join(dir, BASE_FILES.messages!), messagesSvg(journal, results.nodes, journalTruncated));
  await writeAnalysis(dir, results, history);
  // store/latest -> newest run (relative link, replaced atomically).
  const latest = join(storeRoot, 'latest');
  const tmp = join(storeRoot, `.latest-${process.pid}`);
  try {
    await rm(tmp, { force: true });
    await symlink(relative(storeRoot, dir), tmp);
    await rename(tmp, latest);
  } catch {
    await rm(tmp, { force: true }).catch(() => {});
  }
}

/** Plots, linear.svg for each key the checker could not linearise, results.json and the report. */
export async function writeAnalysis(dir: string, results: BenchResults, history: readonly HistoryEvent[]): Promise<void> {
  const files = results.files;
  const sh: FaultShading = { partitions: results.partitions, faults: results.faults ?? [] };
  const title = `${results.workload} ${results.startedAt} (${results.verdict})`;
  await writeFile(join(dir, BASE_FILES.latency!), latencySvg(history, sh, `latency: ${title}`));
  await writeFile(join(dir, BASE_FILES.latencyQuantiles!), latencyQuantilesSvg(history, sh, `latency quantiles: ${title}`));
  await writeFile(join(dir, BASE_FILES.rate!), rateSvg(history, sh, `rate: ${title}`));
  await writeFile(join(dir, BASE_FILES.timeline!), timelineHtml(history, sh, `timeline: ${title}`));
  // linear.svg: the first key the checker could not linearise (the name the
  // Maelstrom tutorial uses), and linear-<key>.svg for every such key.
  for (const name of readdirSync(dir)) if (/^linear(-.*)?\.svg$/.test(name)) await rm(join(dir, name), { force: true });
  for (const k of Object.keys(files)) if (k.startsWith('linear')) delete files[k];
  const lin = results.linearizability;
  if (!('listAppend' in lin)) {
    for (const [i, f] of lin.failures.entries()) {
      const svg = linearSvg(f);
      const name = linearFileName(f.key);
      await writeFile(join(dir, name), svg);
      files[`linear ${String(f.key)}`] = name;
      if (i === 0) {
        await writeFile(join(dir, 'linear.svg'), svg);
        files.linear = 'linear.svg';
      }
    }
  }
  await writeFile(join(dir, BASE_FILES.results!), JSON.stringify(results, null, 2) + '\n');
  // The run report (index.html) reads what was just written; a failure to
  // render it is reported but never loses the run's results.
  try {
    await writeRunReport(dir, { results: results as unknown as ResultsLike, history });
  } catch (err) {
    process.stderr.write(`raftchart: could not write the run report: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
