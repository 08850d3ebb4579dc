#!/usr/bin/env node
// npm run sim:soak [-- --seeds N --jobs J --duration S]: thousands of
// simulation seeds over several cluster shapes and fault mixes, split over
// J processes (default: one per CPU). Each process runs `raftchart sim`, whose
// standard output is deterministic; the figures (seeds per minute, simulated
// seconds per wall second) are summed from their "figures:" lines.
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const total = opt('--seeds', 4000);
const jobs = Math.max(1, opt('--jobs', cpus().length));
const duration = opt('--duration', 10);

// Shapes: [nodes, faults, extra args], seeds spread evenly over them.
const shapes = [
  [3, 'all', []],
  [3, 'partition,pause', ['--nemesis-interval', '1']],
  [3, 'loss,duplicate,reorder,delay', []],
  [5, 'all', []],
  [3, 'none', ['--rate', '100']],
];
const perShape = Math.ceil(total / shapes.length);
const tasks = [];
shapes.forEach(([nodes, faults, extra], s) => {
  const start = 1 + s * 1_000_000;
  const chunk = Math.ceil(perShape / jobs);
  for (let j = 0; j < jobs; j++) {
    const from = start + j * chunk;
    const n = Math.min(chunk, perShape - j * chunk);
    if (n <= 0) continue;
    tasks.push(['sim', '--seed', String(from), '--seeds', String(n), '--nodes', String(nodes), '--duration', String(duration), '--faults', faults, ...extra]);
  }
});

const t0 = Date.now();
let failed = 0;
let seeds = 0;
let simSeconds = 0;
const running = new Set();
const run = (a) =>
  new Promise((resolve) => {
    const p = spawn(process.execPath, [join(root, 'bin/raftchart'), ...a], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const fig = /figures: (\d+) seeds in [\d.]+ s wall .*?, (\d+) simulated s/.exec(err);
      if (fig) {
        seeds += Number(fig[1]);
        simSeconds += Number(fig[2]);
      }
      const summary = out.trim().split('\n').pop();
      process.stdout.write(`${summary}\n`);
      if (code !== 0) {
        failed++;
        process.stdout.write(out.split('\n').filter((l) => l.startsWith('seed ') || l.includes('violated') || l.includes('repro:')).join('\n') + '\n');
        if (code !== 1) process.stdout.write(err);
      }
      resolve();
    });
  });
const queue = [...tasks];
await new Promise((done) => {
  const next = () => {
    if (queue.length === 0 && running.size === 0) return done();
    while (running.size < jobs && queue.length > 0) {
      const t = queue.shift();
      const pr = run(t).then(() => {
        running.delete(pr);
        next();
      });
      running.add(pr);
    }
  };
  next();
});
const wall = (Date.now() - t0) / 1000;
console.log(
  `sim:soak: ${seeds} seeds, ${failed} failing batches; ${wall.toFixed(0)} s wall with ${jobs} processes: ` +
    `${((seeds / wall) * 60).toFixed(0)} seeds/min, ${simSeconds} simulated s, ${(simSeconds / wall).toFixed(0)} simulated s per wall s`,
);
process.exitCode = failed > 0 ? 1 : 0;
