// Transcript tests (etcd-io/raft's datadriven `testdata/` style): each file in
// testdata/ is a script of deliveries and timer firings with the exact
// messages, replies and role changes expected. See test/support/transcript.ts
// for the commands. `npm run transcripts -- --rewrite` regenerates the
// expectations from what the nodes do now: review the diff, then commit.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTranscript, rewriteTranscript, runTranscript } from '../support/transcript.js';

const dir = fileURLToPath(new URL('./testdata/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
const rewrite = process.env.TRANSCRIPT_REWRITE === '1';

describe('transcripts', () => {
  it('has transcripts', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    it(file, () => {
      const text = readFileSync(dir + file, 'utf8');
      const { directives, outputs } = runTranscript(text, file);
      if (rewrite) {
        const next = rewriteTranscript(text, outputs);
        if (next !== text) writeFileSync(dir + file, next);
        return;
      }
      for (const [k, d] of directives.entries()) {
        expect(outputs[k], `${file}:${d.line}: ${d.command} ${d.args.join(' ')}`).toBe(d.expected);
      }
    });
  }
});

describe('the transcript runner', () => {
  it('parses directives, keeps comments on rewrite, and reports a wrong expectation', () => {
    const text = '# c\nadd-nodes 1\n----\nstale\n\nstatus n0\n----\nn0 role=leader\n';
    const { directives, outputs } = runTranscript(text);
    expect(directives.map((d) => d.command)).toEqual(['add-nodes', 'status']);
    expect(outputs[0]).toBe('n0 role=follower term=0');
    // A known-bad expectation does not match what the node does.
    expect(outputs[1]).not.toBe(directives[1]!.expected);
    expect(outputs[1]).toMatch(/^n0 role=follower term=0 vote=- leader=- commit=0 applied=0 log=\[\]$/);
    const again = rewriteTranscript(text, outputs);
    expect(again.startsWith('# c\nadd-nodes 1\n----\nn0 role=follower term=0\n\nstatus n0\n----\nn0 role=follower')).toBe(true);
    expect(parseTranscript(again).map((d) => d.expected)).toEqual(outputs);
  });

  it('refuses a directive without its ---- line, and an unknown command', () => {
    expect(() => parseTranscript('status n0\n')).toThrow(/no ---- line/);
    expect(runTranscript('frobnicate\n----\nok\n').outputs[0]).toMatch(/unknown command/);
  });
});
