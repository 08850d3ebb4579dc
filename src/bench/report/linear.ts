// linear.svg: for a key the checker cannot linearise, the small set of
// operations that cannot all be linearised (drawn as bars, one lane per
// process, in real-time order), and below it every order of them that
// respects real time, followed as far as the register allows, with the
// register value after each step and, where the order gets stuck, the
// completed operations that would have to come next and why they cannot. In
// the spirit of Knossos's linear.svg (its "final paths"); drawn from the
// checker's failure record alone (LinearizabilityFailure.core/cut/paths).

import type { CoreOp, LinearizabilityFailure } from '../types.js';
import { esc, pushAll } from './svg.js';

const FILL = { ok: '#6DB6FE', info: '#FFAA26' } as const;
const STUCK = '#FF1E90';

function fmt(v: unknown): string {
  return v === null || v === undefined ? 'absent' : JSON.stringify(v);
}

function short(o: CoreOp): string {
  if (o.f === 'read') return `r ${fmt(o.value)}`;
  if (o.f === 'write') return `w ${fmt(o.value)}`;
  const [from, to] = Array.isArray(o.value) ? o.value : [undefined, undefined];
  return `cas ${fmt(from)}→${fmt(to)}`;
}

function describe(o: CoreOp): string {
  const when = o.end === null ? `invoked ${o.start.toFixed(3)}s, outcome unknown` : `${o.start.toFixed(3)}s → ${o.end.toFixed(3)}s`;
  const rel = o.relaxed ? ' (completed, but treated as of unknown outcome: the failure stands either way)' : '';
  return `#${o.id} ${o.client} (process ${o.process}): ${short(o)}, ${when}${rel}${o.culprit ? '; its completion is the first that cannot be linearised' : ''}`;
}

export function linearSvg(f: LinearizabilityFailure): string {
  const core = f.core ?? [];
  const byId = new Map(core.map((o) => [o.id, o]));
  const W0 = 980;
  const out: string[] = [];
  const body: string[] = [];
  let y = 20;
  body.push(`<text x="10" y="${y}" font-size="14" font-weight="bold">key ${esc(fmt(f.key))}: these operations cannot all be linearised</text>`);
  y += 18;
  body.push(`<text x="10" y="${y}" fill="#444">first completion that cannot be linearised: ${esc(f.culprit)}</text>`);
  y += 14;
  if (f.cut) {
    const vals = f.cut.values.map(fmt).join(', ');
    body.push(`<text x="10" y="${y}" fill="#444">the register may start at ${f.cut.time.toFixed(3)}s holding any of: ${esc(vals)} (earlier operations left out; they cannot help)</text>`);
    y += 14;
  }
  y += 10;

  // --- the operations, in real-time order (x by event rank) -----------------
  const procs = [...new Set(core.map((o) => o.process))].sort((a, b) => a - b);
  const lane = new Map(procs.map((p, i) => [p, i]));
  const times = [...new Set(core.flatMap((o) => (o.end === null ? [o.start] : [o.start, o.end])))].sort((a, b) => a - b);
  const rank = new Map(times.map((t, i) => [t, i]));
  const L = 110;
  const colW = 70;
  const xOf = (t: number) => L + 20 + (rank.get(t) ?? 0) * colW;
  const xEnd = L + 20 + times.length * colW + 40;
  const LH = 26;
  const top = y;
  if (f.cut) {
    body.push(`<rect x="${L}" y="${top - 4}" width="16" height="${procs.length * LH + 4}" fill="#ddd"><title>${esc(`before ${f.cut.time.toFixed(3)}s: any value`)}</title></rect>`);
  }
  procs.forEach((p, i) => {
    const ly = top + i * LH;
    const c = core.find((o) => o.process === p);
    body.push(`<text x="${L - 8}" y="${ly + 15}" text-anchor="end">${esc(c?.client ?? '')} p${p}</text>`);
    body.push(`<line x1="${L}" x2="${xEnd}" y1="${ly + LH - 3}" y2="${ly + LH - 3}" stroke="#eee"/>`);
  });
  for (const o of core) {
    const i = lane.get(o.process)!;
    const ly = top + i * LH;
    const x0 = xOf(o.start);
    const x1 = o.end === null ? xEnd : xOf(o.end);
    const type = o.relaxed ? 'info' : o.type;
    const stroke = o.culprit ? ` stroke="${STUCK}" stroke-width="2.5"` : o.relaxed ? ' stroke="#b36b00" stroke-dasharray="4 2"' : ' stroke="#555" stroke-width="0.6"';
    body.push(
      `<g class="op" data-op="${o.id}"><rect x="${x0}" y="${ly + 2}" width="${Math.max(12, x1 - x0)}" height="${LH - 8}" rx="3" fill="${FILL[type]}"${stroke}${o.end === null ? ' opacity="0.8"' : ''}/>` +
        `<text x="${x0 + 4}" y="${ly + 16}" font-size="11">${esc(short(o))} <tspan fill="#555" font-size="9">#${o.id}</tspan></text><title>${esc(describe(o))}</title></g>`,
    );
  }
  y = top + procs.length * LH + 10;
  body.push(`<text x="${L}" y="${y}" fill="#666" font-size="10">real-time order of invocations and completions →   blue: completed; orange: unknown outcome (may take effect any time after its invocation, or never); red outline: the culprit</text>`);
  y += 28;

  // --- the orders ------------------------------------------------------------
  const paths = f.paths ?? [];
  body.push(`<text x="10" y="${y}" font-size="13" font-weight="bold">Orders that respect real time, and where each gets stuck</text>`);
  y += 16;
  body.push(`<text x="10" y="${y}" fill="#444" font-size="11">Each row starts from the register's value, takes operations in an order real time allows (the value after each step between the boxes), and ends where nothing can come next;</text>`);
  y += 13;
  body.push(`<text x="10" y="${y}" fill="#444" font-size="11">pink: completed operations that would have to come next but cannot apply. No order places every completed operation, so the key is not linearizable.</text>`);
  y += 20;
  let width = W0;
  if (paths.length === 0) {
    body.push(`<text x="10" y="${y}" fill="#888">(${core.length > 24 ? `too many operations (${core.length}) to list the orders` : 'no orders recorded'})</text>`);
    y += 20;
  }
  const BOX = 84;
  const GAP = 46;
  for (const p of paths) {
    let x = 10;
    body.push(`<g class="path"><text x="${x}" y="${y + 15}" font-size="11" fill="#333">${esc(fmt(p.initial))}</text>`);
    x += 52;
    for (const s of p.steps) {
      const o = byId.get(s.op);
      body.push(`<line x1="${x - 8}" x2="${x}" y1="${y + 11}" y2="${y + 11}" stroke="#999"/>`);
      body.push(`<rect x="${x}" y="${y}" width="${BOX}" height="22" rx="3" fill="${o ? FILL[o.relaxed ? 'info' : o.type] : '#ccc'}" stroke="#555" stroke-width="0.6"><title>${esc(o ? describe(o) : `#${s.op}`)}</title></rect>`);
      body.push(`<text x="${x + 4}" y="${y + 15}" font-size="11">${esc(o ? short(o) : `#${s.op}`)} <tspan fill="#555" font-size="9">#${s.op}</tspan></text>`);
      x += BOX;
      body.push(`<line x1="${x}" x2="${x + 8}" y1="${y + 11}" y2="${y + 11}" stroke="#999"/><text x="${x + 10}" y="${y + 15}" font-size="11" fill="#333">${esc(fmt(s.value))}</text>`);
      x += GAP;
    }
    for (const st of p.stuck) {
      const o = byId.get(st.op);
      body.push(`<rect x="${x}" y="${y}" width="${BOX}" height="22" rx="3" fill="${STUCK}" opacity="0.85"><title>${esc(`${o ? describe(o) : `#${st.op}`}: ${st.why}`)}</title></rect>`);
      body.push(`<text x="${x + 4}" y="${y + 15}" font-size="11" fill="white">✗ ${esc(o ? short(o) : `#${st.op}`)}</text>`);
      x += BOX + 6;
    }
    if (p.stuck.length > 0) {
      body.push(`<text x="${x + 4}" y="${y + 15}" font-size="10" fill="#a00">${esc(p.stuck[0]!.why)}</text>`);
      x += 8 + 6 * p.stuck[0]!.why.length;
    }
    body.push('</g>');
    width = Math.max(width, x + 20);
    y += 30;
  }
  width = Math.max(width, xEnd + 20);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${y + 10}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  pushAll(out, body);
  out.push('</svg>');
  return out.join('\n');
}

/** The file name of a key's linear.svg in a run directory. */
export function linearFileName(key: unknown): string {
  return `linear-${String(key).replace(/[^A-Za-z0-9_.-]/g, '_')}.svg`;
}
