/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The viewer page's script (bundled by scripts/build.mjs into
// dist/viewer-client.js and inlined into every viewer page). It reads the run
// model from <script id="run-data">, builds the indexes once, and then shows
// one step at a time: every node as the chart with its role and the
// transition just taken, its variables and log, the network, the client
// operations. Showing a step touches only what changed: chart highlights are
// class toggles on a few elements of each node's copy of the drawing (laid
// out once by Graphviz when the page was written), lists are rebuilt from
// the indexes, never by replaying the run.

import type { Msg, Op, Step, Vars, ViewerModel } from '../model.js';
import { FATES, VIEWER_FORMAT } from '../model.js';
import { RunIndex, upperBound } from './run-index.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`viewer page lacks #${id}`);
  return el as T;
};

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

/** A stable colour per term (golden-angle hues). */
function termColour(term: number): string {
  if (term < 0) return '#ccc';
  return `hsl(${(term * 137.508) % 360} 62% 72%)`;
}

const ROLE_COLOURS: Record<string, string> = {
  follower: '#8fb8e8',
  precandidate: '#ecd27a',
  candidate: '#f0a640',
  leader: '#5cb36a',
};
const roleColour = (r: string | undefined): string => (r && ROLE_COLOURS[r]) || '#b9a3d6';

/** Which "stop at" box covers a step kind. */
const CATEGORY: Record<Step[1], string> = { T: 'transitions', L: 'transitions', R: 'messages', D: 'messages', S: 'messages', O: 'clients', N: 'network', V: 'other', E: 'other', X: 'other' };

type Speed = { kind: 'steps'; rate: number } | { kind: 'time'; factor: number };

function parseSpeed(v: string): Speed {
  const [k, x] = v.split(':');
  return k === 'time' ? { kind: 'time', factor: Number(x) } : { kind: 'steps', rate: Number(x) };
}

function main(): void {
  const t0 = performance.now();
  const raw = $('run-data').textContent ?? '';
  const model = JSON.parse(raw) as ViewerModel;
  if (model.format !== VIEWER_FORMAT) throw new Error(`viewer data format ${model.format}, this page reads ${VIEWER_FORMAT}`);
  const parsedAt = performance.now();
  const ix = new RunIndex(model);
  const indexedAt = performance.now();
  const strs = model.strs;
  const servers = model.servers;
  const trName = (i: number): string => model.transitions[i]?.name ?? '?';

  // ---- header ---------------------------------------------------------------
  $('title').textContent = model.title;
  $('about').innerHTML = model.about.map((a) => `<div>${esc(a)}</div>`).join('');
  const notes = [...model.notes];
  if (model.source === 'bench' && !model.has.transitions) {
    notes.push(
      'The node logs have no transition lines: only roles and terms (from role=… term=… lines) and the client history are shown; no chart transitions, logs, votes or messages. Run the bench with RAFT_LOG=trace for those.',
    );
  }
  $('notes').innerHTML = notes.map((n) => `<li>${esc(n)}</li>`).join('');
  $('notes').hidden = notes.length === 0;

  // ---- node cards with a copy of the chart each -----------------------------
  const template = ($('chart-template') as HTMLTemplateElement).content.querySelector('svg');
  interface Card {
    el: HTMLElement;
    head: HTMLElement;
    vars: HTMLElement;
    last: HTMLElement;
    repl: HTMLElement;
    other: HTMLElement;
    parts: Map<string, Element>;
    lit: Element[];
    key: string;
  }
  const nodesEl = $('nodes');
  const cards: Card[] = servers.map((name) => {
    const el = document.createElement('div');
    el.className = 'node';
    el.dataset.node = name;
    el.id = `node-${name}`;
    el.innerHTML =
      `<div class="node-head"></div><div class="node-vars"></div>` +
      `<div class="node-chart" title="Click to enlarge or shrink"></div><div class="node-last"></div>` +
      `<div class="node-repl"></div><div class="node-other"></div>`;
    const chartBox = el.querySelector('.node-chart') as HTMLElement;
    const parts = new Map<string, Element>();
    if (template) {
      const svg = template.cloneNode(true) as SVGSVGElement;
      svg.removeAttribute('width');
      svg.removeAttribute('height');
      // The box has a fixed shape (its content never resizes it: CSS containment), the drawing's own.
      const vb = svg.viewBox.baseVal;
      if (vb && vb.width > 0 && vb.height > 0) chartBox.style.aspectRatio = `${vb.width} / ${vb.height}`;
      chartBox.appendChild(svg);
      for (const e of svg.querySelectorAll('[data-cid]')) parts.set(e.getAttribute('data-cid')!, e);
    } else {
      chartBox.textContent = '(no chart drawing in this page)';
    }
    chartBox.addEventListener('click', () => el.classList.toggle('wide'));
    nodesEl.appendChild(el);
    const q = (c: string) => el.querySelector(`.${c}`) as HTMLElement;
    // Room for a leader's table (a row per peer), so a card keeps its height whatever the role.
    q('node-repl').style.height = `${(servers.length + 0.6) * 1.25}em`;
    return { el, head: q('node-head'), vars: q('node-vars'), last: q('node-last'), repl: q('node-repl'), other: q('node-other'), parts, lit: [], key: '' };
  });

  function light(card: Card, ids: string[], cls: string): void {
    for (const id of ids) {
      const e = card.parts.get(id);
      if (e) {
        e.classList.add(cls);
        card.lit.push(e);
      }
    }
  }

  function showNode(i: number, s: number, leaderNext: Map<number, [number | null, number | null]>): void {
    const card = cards[i]!;
    const st = ix.stateAt(i, s);
    const lastTr = ix.lastTransition(i, s);
    const down = ix.isDown(i, s);
    const net = ix.netAt(s);
    const paused = net ? net[2].includes(servers[i]!) : false;
    const key = `${st.step}|${lastTr}|${lastTr === s}|${down}|${paused}|${net ? net[0] : -1}`;
    if (key === card.key) return;
    card.key = key;
    const v = st.vars;
    const role = v ? model.roles[v[1]] : undefined;
    const shownRole = role ?? model.initialRole;
    card.el.dataset.role = role ?? '';
    card.el.dataset.term = v && v[0] !== null ? String(v[0]) : '';
    card.el.classList.toggle('acting', st.step === s || lastTr === s);
    card.el.classList.toggle('down', down);
    card.el.classList.toggle('paused', paused);
    const cut = net ? net[1].some((l) => l.startsWith(`${servers[i]}>`) || l.endsWith(`>${servers[i]}`)) : false;
    const badges = [
      down ? '<span class="badge down">down</span>' : '',
      paused ? '<span class="badge paused">paused</span>' : '',
      cut ? '<span class="badge cut">partitioned</span>' : '',
    ].join('');
    card.head.innerHTML =
      `<b>${esc(servers[i])}</b> <span class="role-badge" style="background:${roleColour(shownRole)}">${esc(role ?? `${shownRole} (initial)`)}</span>` +
      (v && v[0] !== null ? ` <span class="term">term ${v[0]}</span>` : '') +
      badges;
    if (!v) {
      card.vars.textContent = 'No step of this node yet: its variables are unknown until its first transition.';
    } else if (st.from === 'L') {
      card.vars.innerHTML = `term ${esc(v[0])} · <span class="missing">vote, log, commit: not in the logs (no RAFT_LOG=trace)</span>`;
    } else {
      const f = (label: string, x: unknown, cls: string) => `<span class="${cls}">${label} <b>${x === null || x === undefined ? '—' : esc(x)}</b></span>`;
      card.vars.innerHTML = [
        f('voted', v[2], 'v-voted'),
        f('leader', v[3], 'v-leader'),
        f('log', v[6], 'v-len'),
        f('commit', v[4], 'v-commit'),
        f('applied', v[5], 'v-applied'),
      ].join(' · ');
    }
    // The chart: role and the last transition.
    for (const e of card.lit) e.classList.remove('role-on', 'tr-on', 'tr-last');
    card.lit = [];
    light(card, [`state_${shownRole}`], 'role-on');
    if (lastTr >= 0) {
      const step = ix.steps[lastTr] as Extract<Step, { 1: 'T' }>;
      const name = trName(step[3]);
      light(card, [`transition_${name}`, `a_transition_${name}`, `a_transition_${name}-label`], lastTr === s ? 'tr-on' : 'tr-last');
      const info = model.transitions[step[3]];
      card.last.innerHTML =
        `${lastTr === s ? '<b>now</b>' : 'last'}: <span class="tr-name">${esc(name)}</span>` +
        (info && !info.inChart ? ' <span class="missing">(not in this chart)</span>' : '') +
        (info?.tla ? ` <span class="tla">TLA+ ${esc(info.tla)}</span>` : '') +
        ` <a href="#step=${lastTr + 1}" data-step="${lastTr}">#${lastTr + 1}</a>`;
    } else {
      card.last.textContent = model.has.transitions ? 'No transition yet.' : '';
    }
    // A leader's view of replication.
    if (v && role === 'leader' && (v[9] || v[10])) {
      const rows = servers
        .map((p, k) => (k === i ? '' : `<tr><td>${esc(p)}</td><td>${esc(v[9]?.[k] ?? '—')}</td><td>${esc(v[10]?.[k] ?? '—')}</td></tr>`))
        .join('');
      card.repl.innerHTML = `<table class="repl"><thead><tr><th>peer</th><th>next</th><th>match</th></tr></thead><tbody>${rows}</tbody></table>`;
      leaderNext.set(i, [v[0], null]);
    } else {
      card.repl.innerHTML = '';
    }
    const other: string[] = [];
    if (v?.[11]) other.push(`pre-votes ${esc(v[11].join(' '))}`);
    if (v?.[12]) other.push(`votes ${esc(v[12].join(' '))}`);
    if (v?.[13]) for (const [k, x] of Object.entries(v[13])) other.push(`${esc(k)} ${esc(JSON.stringify(x))}`);
    card.other.innerHTML = other.join(' · ');
  }

  // ---- logs, aligned by index ----------------------------------------------
  /** A snapshot's last index, when a trace carries one (a variable named like snapshotIndex, in the log or beside it). */
  function snapshotIndex(v: Vars | null): number | null {
    const other = v?.[13];
    if (!other) return null;
    for (const [k, x] of Object.entries(other)) if (/snapshot/i.test(k) && /index/i.test(k) && typeof x === 'number') return x;
    return null;
  }

  const logRows = $('log-rows');
  let logEnd = 0;
  let follow = true;
  let logKey = '';
  // Widths are read once and on resize: reading them after a DOM change would force a layout per step.
  let logRowsWidth = logRows.clientWidth;
  const logWidth = (): number => Math.max(10, Math.floor((logRowsWidth - 56 - 200) / 30));

  function showLogs(s: number, focus: number | null): void {
    const w = logWidth();
    const states = servers.map((_, i) => ix.stateAt(i, s).vars);
    let maxLen = 0;
    for (const v of states) if (v && v[6] !== null) maxLen = Math.max(maxLen, v[6]);
    if (follow) {
      logEnd = Math.max(maxLen, w);
      if (focus !== null && focus <= logEnd - w) logEnd = Math.min(Math.max(focus + Math.floor(w / 3), w), Math.max(maxLen, w));
    }
    logEnd = Math.max(logEnd, Math.min(w, Math.max(maxLen, 1)));
    const from = Math.max(1, logEnd - w + 1);
    // The leader of the highest term: its next/match indexes mark the others' rows.
    let leader = -1;
    for (let i = 0; i < states.length; i++) {
      const v = states[i];
      if (v && model.roles[v[1]] === 'leader' && (leader < 0 || (v[0] ?? 0) > (states[leader]![0] ?? 0))) leader = i;
    }
    const lv = leader >= 0 ? states[leader]! : null;
    // What the rows show; unchanged, they are left alone.
    const key = [from, logEnd, leader, lv?.[9]?.join(), lv?.[10]?.join(), ...states.map((v, i) => `${v?.[6]},${v?.[4]},${v?.[5]},${ix.lastLogChange(i, s)}`)].join('|');
    if (key === logKey) return;
    logKey = key;
    let html = `<div class="log-row ruler"><span class="log-name">index</span>`;
    for (let k = from; k <= logEnd; k++) html += `<span class="ix">${k % 5 === 0 || k === from ? k : ''}</span>`;
    html += '</div>';
    states.forEach((v, i) => {
      html += `<div class="log-row" data-node="${esc(servers[i])}"><span class="log-name">${esc(servers[i])}</span>`;
      const len = v?.[6] ?? null;
      const commit = v?.[4] ?? null;
      const applied = v?.[5] ?? null;
      const snap = snapshotIndex(v);
      const next = lv && i !== leader ? (lv[9]?.[i] ?? null) : null;
      const match = lv && i !== leader ? (lv[10]?.[i] ?? null) : null;
      for (let k = from; k <= logEnd; k++) {
        const marks = (next === k ? '<i class="mk next" title="leader\'s nextIndex">n</i>' : '') + (match === k ? '<i class="mk match" title="leader\'s matchIndex">m</i>' : '');
        if (len === null || k > len) {
          html += `<span class="e none" data-index="${k}">${marks}</span>`;
          continue;
        }
        const e = ix.entryAt(i, k, s);
        const cls = ['e'];
        if (commit !== null && k <= commit) cls.push('c');
        if (commit === k) cls.push('commit-edge');
        if (applied !== null && k <= applied) cls.push('a');
        if (applied === k) cls.push('applied-edge');
        if (snap !== null && k <= snap) {
          html += `<span class="${cls.join(' ')} snap" data-index="${k}" title="index ${k}: compacted into the snapshot (up to ${snap})${e ? `; was term ${e[0]}: ${esc(strs[e[1]] ?? '')}` : ''}">s${marks}</span>`;
          continue;
        }
        if (!e) {
          html += `<span class="${cls.join(' ')} unknown" data-index="${k}" title="index ${k}: not in the trace">?${marks}</span>`;
          continue;
        }
        html +=
          `<span class="${cls.join(' ')}" data-index="${k}" data-term="${e[0]}" style="background:${termColour(e[0])}" ` +
          `title="index ${k}, term ${e[0]}: ${esc(strs[e[1]] ?? '')}${commit !== null && k <= commit ? ' (committed)' : ''}${applied !== null && k <= applied ? ' (applied)' : ''}">${e[0]}${marks}</span>`;
      }
      html += `<span class="log-tail">${len === null ? 'log not logged' : `len ${len} · commit ${commit ?? '—'} · applied ${applied ?? '—'}`}</span></div>`;
    });
    logRows.innerHTML = html;
    $('log-window').textContent = `indexes ${from}–${logEnd}`;
  }

  // ---- the network -----------------------------------------------------------
  const netSvg = $('net-svg');
  const W = 340;
  const H = 260;
  const pos = servers.map((_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, servers.length);
    return [W / 2 + 105 * Math.cos(a), H / 2 + 95 * Math.sin(a)] as const;
  });
  const typeColour = (type: string): string => {
    let h = 0;
    for (let k = 0; k < type.length; k++) h = (h * 31 + type.charCodeAt(k)) >>> 0;
    return `hsl(${h % 360} 70% 42%)`;
  };

  function msgPoint(m: Msg, s: number): [number, number] {
    const a = pos[m[2]];
    const b = pos[m[3]];
    if (!a || !b) return [W / 2, H / 2];
    const ts = ix.times[m[0]]!;
    const te = m[1] >= 0 ? ix.times[m[1]]! : ts + 10;
    const now = ix.times[s]!;
    const f = te > ts ? Math.min(0.92, Math.max(0.08, (now - ts) / (te - ts))) : 0.5;
    // Offset to the right of the direction of travel, so both directions show.
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len = Math.hypot(dx, dy) || 1;
    return [a[0] + dx * f - (dy / len) * 6, a[1] + dy * f + (dx / len) * 6];
  }

  let inflightKey = '';
  function showNetwork(s: number): void {
    const net = ix.netAt(s);
    const blocked = new Set(net ? net[1] : []);
    let html = '';
    for (let i = 0; i < servers.length; i++) {
      for (let j = i + 1; j < servers.length; j++) {
        const ab = blocked.has(`${servers[i]}>${servers[j]}`);
        const ba = blocked.has(`${servers[j]}>${servers[i]}`);
        const [x1, y1] = pos[i]!;
        const [x2, y2] = pos[j]!;
        const cls = ab && ba ? 'link cut' : ab || ba ? 'link cut half' : 'link';
        html += `<line class="${cls}" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"><title>${esc(servers[i])}–${esc(servers[j])}${ab || ba ? `: blocked ${[ab ? `${servers[i]}→${servers[j]}` : '', ba ? `${servers[j]}→${servers[i]}` : ''].filter(Boolean).join(', ')}` : ''}</title></line>`;
      }
    }
    const fl = ix.inFlight(s, 300);
    for (const k of fl.items) {
      const m = model.msgs[k]!;
      const [x, y] = msgPoint(m, s);
      html += `<circle class="msg" data-msg="${k}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${typeColour(m[4])}"><title>${esc(servers[m[2]])}→${esc(servers[m[3]])} ${esc(strs[m[5]])}</title></circle>`;
    }
    const st = ix.steps[s]!;
    if ((st[1] === 'T' && st[5] >= 0) || st[1] === 'R' || st[1] === 'D') {
      const k = st[1] === 'T' ? st[5] : st[3];
      const m = model.msgs[k];
      if (m) {
        const b = pos[m[3]] ?? [W / 2, H / 2];
        const a = pos[m[2]] ?? b;
        const x = b[0] + (a[0] - b[0]) * 0.18;
        const y = b[1] + (a[1] - b[1]) * 0.18;
        html += `<circle class="msg delivering${st[1] === 'D' ? ' dropped' : ''}" id="delivering" data-msg="${k}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="8" fill="${typeColour(m[4])}"><title>${st[1] === 'D' ? 'dropped' : 'delivered'}: ${esc(servers[m[2]])}→${esc(servers[m[3]])} ${esc(strs[m[5]])}</title></circle>`;
      }
    }
    servers.forEach((name, i) => {
      const v = ix.stateAt(i, s).vars;
      const role = v ? model.roles[v[1]] : undefined;
      const down = ix.isDown(i, s);
      const paused = net ? net[2].includes(name) : false;
      const [x, y] = pos[i]!;
      html +=
        `<g class="srv${down ? ' down' : ''}${paused ? ' paused' : ''}" data-node="${esc(name)}"><circle cx="${x}" cy="${y}" r="22" fill="${down ? '#555' : roleColour(role)}"/>` +
        `<text x="${x}" y="${y - 2}" text-anchor="middle">${esc(name)}</text><text class="sub" x="${x}" y="${y + 11}" text-anchor="middle">${esc(down ? 'down' : paused ? 'paused' : v && v[0] !== null ? `t${v[0]}` : '')}</text></g>`;
    });
    netSvg.innerHTML = html;
    // The list beside it, rebuilt only when the set changes.
    const listKey = fl.items.join(',') + `|${fl.more}`;
    if (listKey === inflightKey) return;
    inflightKey = listKey;
    const rows = fl.items
      .slice(-60)
      .reverse()
      .map((k) => {
        const m = model.msgs[k]!;
        return `<tr data-msg="${k}"><td>${esc(servers[m[2]])}→${esc(servers[m[3]])}</td><td>${esc(strs[m[5]])}</td><td>${secs(ix.times[m[0]]!)}</td></tr>`;
      })
      .join('');
    const total = fl.items.length + fl.more;
    $('inflight').innerHTML = model.has.messages
      ? `<div class="count" id="inflight-count" data-count="${total}">${total} message${total === 1 ? '' : 's'} in flight${total > 60 ? ' (latest 60 listed)' : ''}</div>` +
        (rows ? `<table class="list"><thead><tr><th>link</th><th>message</th><th>sent</th></tr></thead><tbody>${rows}</tbody></table>` : '')
      : '<div class="missing">No message lines in this run’s data: messages in flight are not known.</div>';
  }

  // ---- client operations ----------------------------------------------------
  function opRow(k: number, s: number): string {
    const o: Op = model.ops[k]!;
    const cls = ['op', `o-${o[7]}`];
    if (ix.flaggedOps.has(k)) cls.push('flagged');
    if (ix.culpritOps.has(k)) cls.push('culprit');
    const done = o[1] >= 0 && o[1] <= s;
    const outcome = done ? o[7] : 'pending';
    return (
      `<tr class="${cls.join(' ')}" data-op="${k}" data-history="${o[9]}" data-step="${o[0]}"><td>${esc(o[2])}→${esc(o[3])}</td>` +
      `<td>${esc(o[4])} ${esc(o[5])}${o[6] ? ` ${esc(o[6])}` : ''}</td><td class="outcome">${esc(outcome)}${done && o[7] === 'ok' && o[4] === 'read' ? ` ${esc(o[8])}` : ''}${done && o[10] ? ` <span class="err">${esc(o[10])}</span>` : ''}</td>` +
      `<td>${done ? `${((ix.times[o[1]]! - ix.times[o[0]]!) / 1000).toFixed(3)} s` : `since ${secs(ix.times[o[0]]!)}`}</td></tr>`
    );
  }

  let opsKey = '';
  function showOps(s: number): void {
    if (!model.has.ops) {
      $('ops').innerHTML = '<div class="missing">No client operations in this run’s data.</div>';
      return;
    }
    const open = ix.opsOpen(s, 100);
    const done = ix.opsDone(s, 12);
    const key = `${open.items.join(',')}|${open.more}|${done.join(',')}`;
    if (key === opsKey) return;
    opsKey = key;
    $('ops').innerHTML =
      `<div class="count" id="ops-open-count" data-count="${open.items.length + open.more}">${open.items.length + open.more} in progress</div>` +
      `<table class="list"><tbody>${open.items.map((k) => opRow(k, s)).join('')}</tbody></table>` +
      `<div class="count">recently completed</div><table class="list"><tbody>${done.map((k) => opRow(k, s)).join('')}</tbody></table>`;
  }

  // ---- describing a step ------------------------------------------------------
  /** A transition's event: its own text, or the message it handled. */
  function eventOf(st: Extract<Step, { 1: 'T' }>): string {
    if (st[4] >= 0) return strs[st[4]] ?? '';
    const m = model.msgs[st[5]];
    return m ? `${strs[m[5]]} from ${servers[m[2]] ?? '?'}` : '';
  }

  function describe(s: number, long: boolean): string {
    const st = ix.steps[s]!;
    const who = st[2] >= 0 ? `<b>${esc(servers[st[2]])}</b> ` : '';
    switch (st[1]) {
      case 'T': {
        const info = model.transitions[st[3]];
        const prev = ix.stateAt(st[2], s - 1);
        const before = prev.vars ? model.roles[prev.vars[1]] : undefined;
        const after = model.roles[st[6][1]];
        const move = before && after && before !== after ? ` <span class="move">${esc(before)} → ${esc(after)}</span>` : '';
        let text = `${who}<span class="tr-name">${esc(info?.name ?? '?')}</span>${move}${info?.tla ? ` <span class="tla">TLA+ ${esc(info.tla)}</span>` : ''} <span class="ev">on ${esc(eventOf(st))}</span>`;
        if (long) {
          const sent = ix.sentAt(s);
          if (sent.length) {
            text += `<div class="sent">sends ${sent.length}: ${sent
              .slice(0, 8)
              .map((k) => `${esc(strs[model.msgs[k]![5]])} → ${esc(servers[model.msgs[k]![3]])}${model.msgs[k]![6] >= 3 && model.msgs[k]![6] <= 4 ? ' <span class="err">(lost)</span>' : ''}`)
              .join('; ')}${sent.length > 8 ? '; …' : ''}</div>`;
          }
        }
        return text;
      }
      case 'R': {
        const m = model.msgs[st[3]]!;
        return `${who}receives ${esc(strs[m[5]])} from ${esc(servers[m[2]] ?? '?')} <span class="ev">(no transition)</span>`;
      }
      case 'D': {
        const m = model.msgs[st[3]]!;
        return `<span class="err">dropped</span> (${esc(strs[st[4]])}): ${esc(servers[m[2]] ?? '?')}→${esc(servers[m[3]] ?? '?')} ${esc(strs[m[5]])}`;
      }
      case 'S': {
        const sent = ix.sentAt(s);
        return `${who}sends ${sent.map((k) => `${esc(strs[model.msgs[k]![5]])} → ${esc(servers[model.msgs[k]![3]])}`).join('; ')}`;
      }
      case 'N':
        return `<span class="netev">network</span>: ${esc(strs[st[3]])}`;
      case 'O': {
        const o = model.ops[st[3]]!;
        const flag = ix.flaggedOps.has(st[3]) ? ' <span class="flag">(the checker could not linearise this)</span>' : '';
        return st[4] === 0
          ? `client ${esc(o[2])} invokes <b>${esc(o[4])} ${esc(o[5])}${o[6] ? ` ${esc(o[6])}` : ''}</b> at ${esc(o[3])}${flag}`
          : `client ${esc(o[2])}: <b class="o-${esc(o[7])}">${esc(o[7])}</b> ${esc(o[4])} ${esc(o[5])} ${esc(o[8])}${o[10] ? ` <span class="err">${esc(o[10])}</span>` : ''}${flag}`;
      }
      case 'L':
        return `${who}logs role <b>${esc(model.roles[st[3][1]])}</b> term ${esc(st[3][0])}`;
      case 'V':
        return `<span class="viol">${esc(model.violation?.invariant ?? 'invariant')} violated</span>: ${esc(model.violation?.detail ?? '')}`;
      case 'E':
        return `${who}<span class="ev">event</span> ${esc(strs[st[3]])}${st[4] ? ` (${st[4]})` : ''}`;
      case 'X':
        return `<span class="ev">end</span>: ${esc(strs[st[3]])}`;
    }
  }

  function showRecent(s: number): void {
    const from = Math.max(0, s - 10);
    const to = Math.min(ix.n - 1, s + 4);
    let html = '';
    for (let k = from; k <= to; k++) {
      html += `<li class="${k === s ? 'cur' : k > s ? 'future' : ''} k-${ix.steps[k]![1]}" data-step="${k}"><span class="sn">#${k + 1}</span> <span class="st">${secs(ix.times[k]!)}</span> ${describe(k, false)}</li>`;
    }
    $('recent').innerHTML = html;
  }

  // ---- the timeline -----------------------------------------------------------
  const canvas = $('timeline') as HTMLCanvasElement;
  const cursor = $('timeline-cursor');
  const tEnd = ix.n ? Math.max(ix.times[ix.n - 1]!, 1) : 1;
  const tStart = ix.n ? Math.min(0, ix.times[0]!) : 0;
  const LANE = 11;
  let canvasWidth = 800;
  function drawTimeline(): void {
    const width = (canvasWidth = canvas.clientWidth || 800);
    const height = 8 + LANE * servers.length + 14;
    canvas.width = width * devicePixelRatio;
    canvas.height = height * devicePixelRatio;
    canvas.style.height = `${height}px`;
    const g = canvas.getContext('2d');
    if (!g) return;
    g.scale(devicePixelRatio, devicePixelRatio);
    const x = (t: number): number => ((t - tStart) / (tEnd - tStart)) * width;
    g.fillStyle = '#fafafa';
    g.fillRect(0, 0, width, height);
    // Partitions and pauses.
    model.net.forEach((n, k) => {
      if (n[1].length === 0 && n[2].length === 0) return;
      const a = ix.times[n[0]]!;
      const b = k + 1 < model.net.length ? ix.times[model.net[k + 1]![0]]! : tEnd;
      g.fillStyle = n[1].length ? 'rgba(220,60,60,0.16)' : 'rgba(120,120,120,0.16)';
      g.fillRect(x(a), 0, Math.max(1, x(b) - x(a)), height);
    });
    servers.forEach((_, i) => {
      for (const [a, b, role] of ix.roleSpans(i)) {
        g.fillStyle = roleColour(model.roles[role]);
        g.fillRect(x(a), 4 + i * LANE, Math.max(1, x(b) - x(a)), LANE - 2);
      }
      g.fillStyle = '#333';
      g.font = '9px sans-serif';
      g.fillText(servers[i]!, 2, 4 + i * LANE + 8);
    });
    const y0 = 6 + LANE * servers.length;
    g.fillStyle = '#7b3fb3';
    for (const s of ix.flaggedSteps) g.fillRect(x(ix.times[s]!) - 1, y0, 2, 6);
    if (model.violation) {
      g.fillStyle = '#d00';
      g.fillRect(x(ix.times[model.violation.step]!) - 1, 0, 3, height);
    }
    g.fillStyle = '#666';
    g.font = '9px sans-serif';
    g.fillText(secs(tStart), 2, height - 2);
    const endLabel = secs(tEnd);
    g.fillText(endLabel, width - g.measureText(endLabel).width - 2, height - 2);
  }
  function moveCursor(s: number): void {
    const width = canvasWidth;
    cursor.style.left = `${((ix.times[s]! - tStart) / (tEnd - tStart)) * width}px`;
  }
  const timeAt = (ev: MouseEvent): number => {
    const r = canvas.getBoundingClientRect();
    return tStart + ((ev.clientX - r.left) / r.width) * (tEnd - tStart);
  };
  let dragging = false;
  canvas.addEventListener('mousedown', (ev) => {
    dragging = true;
    go(ix.stepAtTime(timeAt(ev)));
  });
  canvas.addEventListener('mousemove', (ev) => {
    if (dragging) go(ix.stepAtTime(timeAt(ev)));
  });
  window.addEventListener('mouseup', () => (dragging = false));

  // ---- the current step ---------------------------------------------------------
  let cur = -1;
  const scrub = $('scrub') as HTMLInputElement;
  const stepInput = $('step-input') as HTMLInputElement;
  const timeInput = $('time-input') as HTMLInputElement;
  scrub.max = String(Math.max(0, ix.n - 1));
  stepInput.max = String(ix.n);
  $('step-count').textContent = String(ix.n);

  function render(s: number, focusIndex: number | null = null): void {
    const st = ix.steps[s]!;
    const r0 = performance.now();
    const leaderNext = new Map<number, [number | null, number | null]>();
    for (let i = 0; i < servers.length; i++) showNode(i, s, leaderNext);
    let focus = focusIndex;
    if (focus === null && st[1] === 'T' && st[6][7] !== null) focus = st[6][7];
    showLogs(s, focus);
    showNetwork(s);
    showOps(s);
    showRecent(s);
    const now = $('now');
    now.dataset.kind = st[1];
    now.dataset.step = String(s + 1);
    now.innerHTML = `<span class="sn">step ${s + 1} of ${ix.n}</span> <span class="st">${secs(st[0])}</span> ${describe(s, true)}`;
    const v = model.violation;
    const banner = $('violation-banner');
    banner.hidden = !(v && s >= v.step);
    if (v && s >= v.step) banner.innerHTML = `<b>${esc(v.invariant)}</b> violated at step ${v.step + 1} (${secs(ix.times[v.step]!)}): ${esc(v.detail)}`;
    scrub.value = String(s);
    stepInput.value = String(s + 1);
    if (document.activeElement !== timeInput) timeInput.value = (st[0] / 1000).toFixed(3);
    moveCursor(s);
    ($('step-back') as HTMLButtonElement).disabled = s === 0;
    ($('step-forward') as HTMLButtonElement).disabled = s === ix.n - 1;
    document.body.dataset.step = String(s + 1);
    lastRenderMs = performance.now() - r0;
  }
  let lastRenderMs = 0;

  // The URL keeps the position (#step=N, 1-based); written at most every 400 ms
  // (Chromium throttles history updates that come faster).
  let urlTimer: number | undefined;
  let urlWritten = '';
  function writeUrl(): void {
    urlTimer = undefined;
    const hash = `#step=${cur + 1}`;
    if (hash === urlWritten || location.hash === hash) return;
    urlWritten = hash;
    try {
      history.replaceState(null, '', hash);
    } catch {
      location.hash = hash;
    }
  }
  function go(s: number, focusIndex: number | null = null): void {
    if (ix.n === 0) return;
    s = Math.max(0, Math.min(ix.n - 1, Math.floor(s)));
    if (s === cur && focusIndex === null) return;
    cur = s;
    render(s, focusIndex);
    if (urlTimer === undefined) urlTimer = window.setTimeout(writeUrl, playing ? 1000 : 150);
  }
  function fromHash(): number | null {
    const m = /(?:^|[#&])step=(\d+)/.exec(location.hash);
    if (m) return Number(m[1]) - 1;
    const t = /(?:^|[#&])t=([\d.]+)/.exec(location.hash);
    if (t) return ix.stepAtTime(Number(t[1]) * 1000);
    return null;
  }
  window.addEventListener('hashchange', () => {
    const s = fromHash();
    if (s !== null && s !== cur) go(s);
  });

  // ---- stepping, filters, jumps, play ------------------------------------------
  const stopAt = new Set<string>();
  for (const box of document.querySelectorAll<HTMLInputElement>('#stop-at input[type=checkbox]')) {
    if (box.checked) stopAt.add(box.value);
    box.addEventListener('change', () => {
      if (box.checked) stopAt.add(box.value);
      else stopAt.delete(box.value);
    });
  }
  const stops = (s: number): boolean => stopAt.has(CATEGORY[ix.steps[s]![1]]) || ix.steps[s]![1] === 'V';
  function nextStop(s: number, dir: 1 | -1): number {
    for (let k = s + dir; k >= 0 && k < ix.n; k += dir) if (stops(k)) return k;
    return -1;
  }
  $('step-forward').addEventListener('click', () => {
    const k = nextStop(cur, 1);
    if (k >= 0) go(k);
  });
  $('step-back').addEventListener('click', () => {
    const k = nextStop(cur, -1);
    if (k >= 0) go(k);
  });
  $('step-first').addEventListener('click', () => go(0));
  $('step-last').addEventListener('click', () => go(ix.n - 1));
  scrub.addEventListener('input', () => go(Number(scrub.value)));
  stepInput.addEventListener('change', () => go(Number(stepInput.value) - 1));
  const goTime = (): void => {
    const x = Number(timeInput.value);
    if (Number.isFinite(x)) go(ix.stepAtTime(x * 1000));
  };
  timeInput.addEventListener('change', goTime);
  $('time-go').addEventListener('click', goTime);

  // Jump targets: every transition of the chart (and any the data adds), roles, events.
  const jumpSel = $('jump-kind') as HTMLSelectElement;
  const count = (key: string): number => ix.jumps.get(key)?.length ?? 0;
  const opt = (key: string, label: string): string => `<option value="${esc(key)}"${count(key) ? '' : ' disabled'}>${esc(label)} (${count(key)})</option>`;
  jumpSel.innerHTML =
    `<optgroup label="chart transition">${model.transitions.map((t) => opt(`transition:${t.name}`, `${t.name}${t.inChart ? '' : ' (not in chart)'}`)).join('')}</optgroup>` +
    `<optgroup label="becomes">${model.roles.map((r) => opt(`role:${r}`, r)).join('')}</optgroup>` +
    `<optgroup label="event">${[
      opt('kind:N', 'network change (nemesis)'),
      opt('message:dropped', 'message dropped or lost'),
      opt('op:fail', 'client op failed'),
      opt('op:info', 'client op indeterminate'),
      opt('status:down', 'node down (crash)'),
      opt('status:up', 'node up (restart)'),
      opt('kind:E', 'other event'),
    ].join('')}</optgroup>`;
  if (count('transition:becomeLeader')) jumpSel.value = 'transition:becomeLeader';
  const doJump = (dir: 1 | -1): void => {
    const k = ix.jump(jumpSel.value, cur, dir);
    if (k >= 0) go(k);
    $('jump-status').textContent = k >= 0 ? '' : `no ${dir === 1 ? 'later' : 'earlier'} one`;
  };
  $('jump-next').addEventListener('click', () => doJump(1));
  $('jump-prev').addEventListener('click', () => doJump(-1));

  const violBtn = $('jump-violation') as HTMLButtonElement;
  violBtn.disabled = !model.violation;
  violBtn.title = model.violation ? `${model.violation.invariant} at step ${model.violation.step + 1}` : 'No invariant was violated in this run';
  violBtn.addEventListener('click', () => {
    const v = model.violation;
    if (!v) return;
    const m = /index (\d+)/.exec(v.detail);
    go(v.step, m ? Number(m[1]) : null);
  });
  const flagNext = $('jump-flagged-next') as HTMLButtonElement;
  const flagPrev = $('jump-flagged-prev') as HTMLButtonElement;
  flagNext.disabled = flagPrev.disabled = ix.flaggedSteps.length === 0;
  flagNext.addEventListener('click', () => {
    const k = ix.jump('flagged', cur, 1);
    go(k >= 0 ? k : ix.flaggedSteps[0]!);
  });
  flagPrev.addEventListener('click', () => {
    const k = ix.jump('flagged', cur, -1);
    go(k >= 0 ? k : ix.flaggedSteps[ix.flaggedSteps.length - 1]!);
  });

  // The checker's verdict and failures, with links to the operations.
  const chk = model.checker;
  $('checker').innerHTML = !chk
    ? `<div class="missing">${model.violation ? 'The run stopped at the violation: the history was not checked.' : 'No linearizability verdict in this run’s data.'}</div>`
    : `<div>linearizability: <b class="verdict-${esc(chk.valid)}">${esc(chk.valid === true ? 'valid' : chk.valid === false ? 'NOT linearizable' : chk.valid === 'unknown' ? 'unknown' : 'not checked')}</b>${chk.unknownKeys.length ? ` (unknown for keys ${esc(chk.unknownKeys.join(', '))})` : ''}</div>` +
      chk.failures
        .map(
          (f) =>
            `<div class="failure"><div>key ${esc(f.key)}: ${esc(f.culprit)}</div><ul>${f.explanation.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` +
            `<div>operations: ${f.ops.map((o) => `<a href="#step=${model.ops[o]![0] + 1}" data-step="${model.ops[o]![0]}">${esc(model.ops[o]![2])} ${esc(model.ops[o]![4])} #${model.ops[o]![9]}</a>`).join(', ')}</div></div>`,
        )
        .join('');

  // Clicking anything with data-step goes there.
  document.body.addEventListener('click', (ev) => {
    const el = (ev.target as Element).closest('[data-step]');
    if (!el || el === document.body) return;
    ev.preventDefault();
    go(Number(el.getAttribute('data-step')));
  });

  $('log-left').addEventListener('click', () => {
    follow = false;
    ($('log-follow') as HTMLInputElement).checked = false;
    logEnd = Math.max(logWidth(), logEnd - Math.floor(logWidth() * 0.8));
    render(cur);
  });
  $('log-right').addEventListener('click', () => {
    follow = false;
    ($('log-follow') as HTMLInputElement).checked = false;
    logEnd += Math.floor(logWidth() * 0.8);
    render(cur);
  });
  $('log-follow').addEventListener('change', (ev) => {
    follow = (ev.target as HTMLInputElement).checked;
    render(cur);
  });

  let playing = false;
  let lastFrame = 0;
  let carry = 0;
  let playT = 0;
  const playBtn = $('play');
  const speedSel = $('speed') as HTMLSelectElement;
  function frame(now: number): void {
    if (!playing) return;
    const dt = Math.min(250, now - lastFrame);
    lastFrame = now;
    const sp = parseSpeed(speedSel.value);
    let target = cur;
    if (sp.kind === 'steps') {
      carry += (dt / 1000) * sp.rate;
      while (carry >= 1) {
        carry -= 1;
        const k = nextStop(target, 1);
        if (k < 0) break;
        target = k;
        if (ix.steps[k]![1] === 'V') break;
      }
    } else {
      // Run time goes on at the chosen pace; show the last step it has reached.
      playT = Math.max(playT, ix.times[cur]!) + dt * sp.factor;
      const last = upperBound(ix.times, playT) - 1;
      for (let k = nextStop(cur, 1); k >= 0 && k <= last; k = nextStop(k, 1)) {
        target = k;
        if (ix.steps[k]![1] === 'V') break;
      }
    }
    if (target !== cur) go(target);
    if (nextStop(cur, 1) < 0 || ix.steps[cur]![1] === 'V') setPlaying(false);
    else requestAnimationFrame(frame);
  }
  function setPlaying(p: boolean): void {
    playing = p;
    playBtn.textContent = p ? '⏸ pause' : '▶ play';
    playBtn.classList.toggle('on', p);
    if (p) {
      if (cur >= ix.n - 1) go(0);
      lastFrame = performance.now();
      carry = 0;
      playT = ix.times[cur]!;
      requestAnimationFrame(frame);
    } else if (urlTimer === undefined) {
      writeUrl();
    }
  }
  playBtn.addEventListener('click', () => setPlaying(!playing));

  document.addEventListener('keydown', (ev) => {
    const tag = (ev.target as HTMLElement).tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    if (ev.key === 'ArrowRight') $('step-forward').click();
    else if (ev.key === 'ArrowLeft') $('step-back').click();
    else if (ev.key === ' ') playBtn.click();
    else if (ev.key === 'Home') go(0);
    else if (ev.key === 'End') go(ix.n - 1);
    else if (ev.key === 'n') doJump(1);
    else if (ev.key === 'p') doJump(-1);
    else return;
    ev.preventDefault();
  });
  let resizeTimer: number | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => {
      logRowsWidth = logRows.clientWidth;
      logKey = '';
      drawTimeline();
      render(cur);
    }, 100);
  });

  // ---- start ----------------------------------------------------------------------
  if (ix.n === 0) {
    $('now').textContent = 'This run has no steps.';
  } else {
    drawTimeline();
    const s = fromHash();
    go(s ?? 0);
  }
  const readyAt = performance.now();
  // Figures for scripts/viewer-perf.mjs and the tests.
  (window as unknown as { viewer: unknown }).viewer = {
    steps: ix.n,
    timings: { scriptStartMs: t0, parseMs: parsedAt - t0, indexMs: indexedAt - parsedAt, firstRenderMs: readyAt - indexedAt, readyMs: readyAt },
    go: (s: number) => go(s - 1),
    current: () => cur + 1,
    lastRenderMs: () => lastRenderMs,
    stepForward: () => $('step-forward').click(),
    jump: (key: string, dir: 1 | -1) => {
      const k = ix.jump(key, cur, dir);
      if (k >= 0) go(k);
      return k + 1;
    },
    fates: FATES,
  };
  document.body.dataset.ready = 'true';
}

try {
  main();
} catch (err) {
  const box = document.getElementById('fatal');
  if (box) {
    box.hidden = false;
    box.textContent = `The viewer could not start: ${err instanceof Error ? err.message : String(err)}`;
  }
  throw err;
}
