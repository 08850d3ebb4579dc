// The rendered chart files under docs/ must match what `npm run chart`
// produces from spec/ now, byte for byte; and what they show must be complete.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { roles, transitions } from '../../spec/chart.js';
import { tlaMapping } from '../../spec/tla-mapping.js';
import { chartConfig } from '../../machines/raft.js';
import { chartEdges, renderChartFiles, renderMermaid, renderXStateJson, triggerText } from '../../src/viz/chart.js';

const root = join(import.meta.dirname, '..', '..');

describe('rendered chart (docs/)', async () => {
  const files = await renderChartFiles();

  it.each(Object.keys(files))('%s is up to date with spec/ (run `npm run chart` if not)', (rel) => {
    const onDisk = readFileSync(join(root, rel), 'utf8');
    expect(onDisk === files[rel], `${rel} is stale: run \`npm run chart\` and commit docs/`).toBe(true);
  });

  it('is deterministic: a second rendering gives the same bytes', async () => {
    expect(await renderChartFiles()).toEqual(files);
  });

  it('labels every transition with its event(s), guard and TLA+ action in every format', () => {
    const mmd = files['docs/chart.mmd']!;
    const svg = files['docs/chart.svg']!;
    const json = files['docs/chart.json']!;
    for (const e of chartEdges()) {
      const tla = tlaMapping[e.name]!.tla ?? 'none';
      const line = mmd.split('\n').find((l) => l.includes(` ${e.name}: `));
      expect(line, `mermaid line for ${e.name}`).toBeDefined();
      for (const trig of e.on) expect(line).toContain(triggerText(trig));
      if (e.guard) expect(line).toContain(`[${e.guard}]`);
      expect(line).toContain(`TLA+ ${tla}`);

      expect(svg).toMatch(new RegExp(`id="(a_)?transition_${e.name}"`));
      expect(svg).toContain(`>TLA+ ${tla}`);
      if (e.guard) expect(svg).toContain(e.guard);

      expect(json).toContain(`"name": "${e.name}"`);
    }
    expect(chartEdges()).toHaveLength(transitions.length);
  });

  it('starts the Mermaid text as a stateDiagram-v2 with no characters Mermaid rejects in labels', () => {
    const mmd = renderMermaid();
    expect(mmd.split('\n').find((l) => !l.startsWith('%%'))).toBe('stateDiagram-v2');
    for (const l of mmd.split('\n').filter((l) => l.includes(' : '))) {
      expect(l.slice(l.indexOf(' : '))).not.toMatch(/[;#]/);
    }
  });

  it('exports an XState config that createMachine loads, with the same transitions as machines/raft.ts', () => {
    const json = JSON.parse(renderXStateJson());
    const machine = createMachine(json);
    expect(Object.keys(machine.states).sort()).toEqual([...roles].sort());
    // Strip the annotations the export adds; what remains is chartConfig() exactly.
    const strip = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(strip);
      if (v && typeof v === 'object') {
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
          if (k === 'description') continue;
          if (k === 'meta' && x && typeof x === 'object' && 'tla' in x) {
            o.meta = { name: (x as { name: string }).name };
            continue;
          }
          o[k] = strip(x);
        }
        return o;
      }
      return v;
    };
    const stripped = strip(json) as Record<string, unknown>;
    delete stripped.meta;
    expect(stripped).toEqual(JSON.parse(JSON.stringify(chartConfig())));
    // Guards and actions are names, not code.
    expect(JSON.stringify(json)).not.toMatch(/=>|function/);
  });
});
