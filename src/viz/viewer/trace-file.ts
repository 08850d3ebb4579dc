// Viewer pages from simulator traces: while a simulation runs (`raftchart sim
// --html FILE`), or afterwards from the file `--trace FILE` wrote
// (`npm run viewer -- FILE`).

import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { chartData, renderViewerHtml } from './html.js';
import { ModelBuilder, modelFromTrace, short, type ViewerModel } from './model.js';

/** Collects a simulation's trace lines as they are written and builds the model at the end. */
export class TraceCollector {
  private readonly builder: ModelBuilder;
  private bad = 0;

  constructor(title: string, about: readonly string[]) {
    this.builder = new ModelBuilder(chartData(), { source: 'sim', title, about });
  }

  /** One line the TraceWriter wrote. */
  line(line: string): void {
    try {
      this.builder.add(JSON.parse(line));
    } catch {
      this.bad++;
    }
  }

  model(): ViewerModel {
    if (this.bad) this.builder.notes.push(`${this.bad} trace line(s) could not be read.`);
    return this.builder.build();
  }
}

/** The model of a trace file; the title says which file and seed. */
export function modelFromTraceFile(path: string): ViewerModel {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  let title = basename(path);
  try {
    const h = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    if (h.header === true && h.seed !== undefined) title = `sim seed ${short(h.seed)}${typeof h.bug === 'string' ? ` (bug ${h.bug})` : ''} from ${basename(path)}`;
  } catch {
    // Not a header: the builder reports bad lines.
  }
  return modelFromTrace(lines, chartData(), { title });
}

export async function writeTraceViewer(tracePath: string, outPath: string): Promise<ViewerModel> {
  const model = modelFromTraceFile(tracePath);
  await writeFile(outPath, renderViewerHtml(model));
  return model;
}
