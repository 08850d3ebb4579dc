// Writes a run's artefacts into store/<workload>/<timestamp>/ and points
// store/latest at it.

import { createWriteStream } from 'node:fs';
import { rm, symlink, writeFile, rename } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Network } from './net.js';
import { writeRunReport } from '../viz/report.js';
import { latencySvg, messagesSvg, timelineHtml } from './report/svg.js';
import type { BenchResults, HistoryEvent } from './types.js';

function fmtHistoryLine(e: HistoryEvent): string {
  const t = (e.time / 1e9).toFixed(3).padStart(8);
  const v = JSON.stringify(e.value);
  const err = e.error === undefined ? '' : `\t${JSON.stringify(e.error)}`;
  return `#${e.index}\t${t}\t${e.process}\t${e.client}->${e.node}\t:${e.type}\t:${e.f}\t[${e.key} ${v}]${err}`;
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const ws = createWriteStream(path);
  for (const l of lines) {
    if (!ws.write(l + '\n')) await new Promise<void>((r) => ws.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => ws.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export async function writeStore(
  dir: string,
  storeRoot: string,
  results: BenchResults,
  history: readonly HistoryEvent[],
  net: Network,
): Promise<void> {
  const files: Record<string, string> = {
    results: 'results.json',
    history: 'history.jsonl',
    historyText: 'history.txt',
    latency: 'latency-raw.svg',
    timeline: 'timeline.html',
    messages: 'messages.svg',
    nodeLogs: 'node-logs/',
    report: 'index.html',
  };
  results.files = files;
  const title = `${results.workload} ${results.startedAt} (${results.verdict})`;
  await writeLines(join(dir, files.history), (function* () {
    for (const e of history) yield JSON.stringify(e);
  })());
  await writeLines(join(dir, files.historyText), (function* () {
    for (const e of history) yield fmtHistoryLine(e);
  })());
  await writeFile(join(dir, files.latency), latencySvg(history, results.partitions, `latency: ${title}`));
  await writeFile(join(dir, files.timeline), timelineHtml(history, results.partitions, `timeline: ${title}`));
  await writeFile(join(dir, files.messages), messagesSvg(net.journal, results.nodes, net.journalTruncated));
  await writeFile(join(dir, files.results), JSON.stringify(results, null, 2) + '\n');
  // The run report (index.html) reads what was just written; a failure to
  // render it is reported but never loses the run's results.
  try {
    await writeRunReport(dir);
  } catch (err) {
    process.stderr.write(`raftchart: could not write the run report: ${err instanceof Error ? err.message : String(err)}\n`);
  }
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
