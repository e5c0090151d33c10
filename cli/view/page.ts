// The viewer page: one HTML file with its style, its script and its data inline. A Content Security
// Policy allows only that script and style (by hash) and nothing from the network, so the page
// works from file:// and cannot fetch anything.
import { createHash } from "node:crypto";
import type { ViewModel } from "./model.js";

const STYLE = `
:root { --lane: 150px; --row: 22px; --time: 96px; font-family: system-ui, sans-serif; font-size: 13px; }
body { margin: 0; display: grid; grid-template-rows: auto auto 1fr auto; height: 100vh; color: #1b1f24; background: #fff; }
header { padding: 8px 12px; border-bottom: 1px solid #d0d7de; }
header h1 { font-size: 15px; margin: 0 0 2px 0; }
header .stats { color: #57606a; }
#toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 6px 12px; border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
#toolbar label { color: #57606a; }
#toolbar input[type=range] { width: 260px; }
#main { display: grid; grid-template-columns: 1fr 420px; min-height: 0; }
#diagram-wrap { display: grid; grid-template-rows: auto 1fr; min-height: 0; min-width: 0; }
#lanes { position: relative; height: 40px; overflow: hidden; border-bottom: 1px solid #d0d7de; background: #fff; }
.lane-head { position: absolute; top: 0; width: calc(var(--lane) - 8px); padding: 3px 4px; height: 34px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; border-radius: 4px; background: #ddf4ff; }
.lane-head.kernel { background: #fff8c5; }
.lane-head small { display: block; color: #57606a; overflow: hidden; text-overflow: ellipsis; }
#diagram { position: relative; overflow: auto; min-height: 0; }
#rows { position: relative; }
.row { position: absolute; left: 0; height: var(--row); line-height: var(--row); white-space: nowrap; cursor: pointer; }
.row:hover { background: #f6f8fa; }
.row.selected { background: #fff1b8; }
.row .time { position: absolute; left: 4px; width: calc(var(--time) - 8px); color: #57606a; font-variant-numeric: tabular-nums; }
.lane-line { position: absolute; top: 0; bottom: 0; width: 1px; background: #d0d7de; }
.arrow { position: absolute; top: 14px; height: 0; border-top: 2px solid #0969da; }
.arrow::after { content: ""; position: absolute; top: -6px; border: 5px solid transparent; }
.arrow.right::after { right: -2px; border-left: 8px solid #0969da; border-right: 0; }
.arrow.left::after { left: -2px; border-right: 8px solid #0969da; border-left: 0; }
.arrow.kernel-sent { border-top-color: #8250df; }
.arrow.kernel-sent.right::after { border-left-color: #8250df; }
.arrow.kernel-sent.left::after { border-right-color: #8250df; }
.arrow.multicast { border-top-style: dashed; }
.label { position: absolute; top: 0; line-height: 13px; font-size: 11px; color: #24292f; background: rgba(255,255,255,0.85); padding-right: 3px; }
.ctx { display: inline-block; font-size: 10px; padding: 0 4px; margin-right: 4px; border-radius: 8px; line-height: 14px; }
.ctx.softirq { background: #ffd8b5; } .ctx.kthread { background: #d8b9ff; } .ctx.idle { background: #eaeef2; }
.note { position: absolute; font-size: 12px; }
.note.printk { color: #57606a; font-family: ui-monospace, monospace; }
.note.bug, .note.failure, .note.enobufs { color: #cf222e; font-weight: 600; }
.note.log { color: #9a6700; }
#detail { border-left: 1px solid #d0d7de; overflow: auto; padding: 8px 12px; }
#detail h2 { font-size: 14px; margin: 4px 0; }
#detail pre { font-size: 12px; white-space: pre; overflow-x: auto; }
#detail .info { white-space: pre-wrap; color: #57606a; }
#queues { border-top: 1px solid #d0d7de; max-height: 34vh; overflow: auto; padding: 4px 12px; }
#queues h2 { font-size: 13px; margin: 4px 0; }
.queue { display: grid; grid-template-columns: 340px 1fr; align-items: center; gap: 8px; }
.queue .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.queue canvas { width: 100%; height: 48px; }
.muted { color: #57606a; }
`;

// The page's script: plain JavaScript, no dependencies. It reads the data block, draws the lane
// heads, the rows (all of them up to VIRTUAL_FROM rows, else only those in view), the queue charts,
// and wires the filters, search, scrubber and the detail panel.
const SCRIPT = `
"use strict";
const M = JSON.parse(document.getElementById("nlsim-data").textContent);
const ROW = 22, TIME = 96, VIRTUAL_FROM = 2000;
const LANE = parseInt(getComputedStyle(document.documentElement).getPropertyValue("--lane"), 10) || 150;
const laneX = (i) => TIME + i * LANE + LANE / 2;
const secs = (t) => (t / 1e9).toFixed(6);
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };

const rowTime = (r) => r.d !== undefined ? M.datagrams[r.d].t : M.notes[r.n].t;
const rowLanes = (r) => r.d !== undefined ? [M.datagrams[r.d].from, M.datagrams[r.d].to] : [M.notes[r.n].lane];
const rowType = (r) => r.d !== undefined ? "datagram" : M.notes[r.n].kind;
const rowText = (r) => {
  if (r.d !== undefined) { const d = M.datagrams[r.d]; return d.label + "\\n" + d.info + "\\n" + M.texts[d.text]; }
  return M.notes[r.n].text;
};

// filters
const fSock = $("f-sock"), fProc = $("f-proc"), fType = $("f-type"), search = $("search"), scrub = $("scrub");
M.lanes.forEach((l, i) => { const o = el("option", "", l.label + " · " + l.sub); o.value = String(i); fSock.appendChild(o); });
[...new Set(M.lanes.map((l) => l.process).filter((p) => p))].forEach((p) => { const o = el("option", "", p); o.value = p; fProc.appendChild(o); });
const labels = [...new Set(M.datagrams.flatMap((d) => d.label.split(", ")))].sort();
[["datagram", "datagrams"], ["printk", "printk lines"], ["enobufs", "ENOBUFS"], ["bug", "BUG/WARNING"], ["failure", "failures"], ["log", "program logs"]]
  .forEach(([v, t]) => { const o = el("option", "", t); o.value = v; fType.appendChild(o); });
labels.forEach((l) => { const o = el("option", "", "message: " + l); o.value = "msg:" + l; fType.appendChild(o); });

let visible = M.rows.map((_, i) => i);
const applyFilters = () => {
  const sock = fSock.value === "" ? null : Number(fSock.value);
  const proc = fProc.value;
  const type = fType.value;
  const q = search.value.trim().toLowerCase();
  visible = [];
  M.rows.forEach((r, i) => {
    const lanes = rowLanes(r);
    if (sock !== null && !lanes.includes(sock)) return;
    if (proc !== "" && !lanes.some((l) => M.lanes[l].process === proc)) return;
    if (type.startsWith("msg:")) { if (r.d === undefined || !M.datagrams[r.d].label.split(", ").includes(type.slice(4))) return; }
    else if (type !== "" && rowType(r) !== type) return;
    if (q !== "" && !rowText(r).toLowerCase().includes(q)) return;
    visible.push(i);
  });
  $("count").textContent = visible.length + " of " + M.rows.length + " rows";
  render(true);
};
[fSock, fProc, fType].forEach((s) => s.addEventListener("change", applyFilters));
search.addEventListener("input", applyFilters);

// lane heads and lane lines
const lanesEl = $("lanes"), rowsEl = $("rows"), diagram = $("diagram");
const width = TIME + M.lanes.length * LANE + 40;
M.lanes.forEach((l, i) => {
  const h = el("div", "lane-head" + (i === 0 ? " kernel" : ""), l.label);
  h.title = l.label + "\\n" + l.sub;
  h.appendChild(el("small", "", l.sub));
  h.style.left = (TIME + i * LANE + 4) + "px";
  h.dataset.lane = String(i);
  lanesEl.appendChild(h);
});
diagram.addEventListener("scroll", () => { lanesEl.scrollLeft = diagram.scrollLeft; render(false); });

let selected = null;
const rowEl = (ri, pos) => {
  const r = M.rows[ri];
  const e = el("div", "row");
  e.style.top = (pos * ROW) + "px";
  e.style.width = width + "px";
  e.dataset.row = String(ri);
  e.appendChild(el("span", "time", secs(rowTime(r))));
  if (r.d !== undefined) {
    const d = M.datagrams[r.d];
    e.classList.add("dg");
    e.dataset.datagram = String(d.i);
    const a = laneX(d.from), b = laneX(d.to);
    const arrow = el("div", "arrow " + (b >= a ? "right" : "left") + (d.from === 0 ? " kernel-sent" : "") + (d.groups !== 0 ? " multicast" : ""));
    arrow.style.left = Math.min(a, b) + "px";
    arrow.style.width = Math.max(Math.abs(b - a), 12) + "px";
    e.appendChild(arrow);
    const label = el("span", "label");
    if (d.ctx !== "process") label.appendChild(el("span", "ctx " + d.ctx, d.ctx));
    label.appendChild(document.createTextNode(d.label + " · " + d.len + " B" + (d.groups !== 0 ? " · multicast" : "")));
    label.style.left = (Math.min(a, b) + 14) + "px";
    e.appendChild(label);
  } else {
    const n = M.notes[r.n];
    e.classList.add("nt");
    e.dataset.note = String(r.n);
    const t = el("span", "note " + n.kind, (n.kind === "printk" ? "printk " : n.kind === "bug" ? "⚠ " : n.kind === "enobufs" ? "✖ " : "") + n.text);
    t.style.left = (laneX(n.lane) - 4) + "px";
    e.appendChild(t);
  }
  if (ri === selected) e.classList.add("selected");
  return e;
};

let lastRange = "";
const render = (force) => {
  const total = visible.length;
  rowsEl.style.height = (total * ROW) + "px";
  rowsEl.style.width = width + "px";
  let first = 0, last = total;
  if (total > VIRTUAL_FROM) {
    first = Math.max(0, Math.floor(diagram.scrollTop / ROW) - 30);
    last = Math.min(total, first + Math.ceil(diagram.clientHeight / ROW) + 60);
  }
  const key = first + ":" + last;
  if (!force && key === lastRange) return;
  lastRange = key;
  const frag = document.createDocumentFragment();
  for (let i = 0; i < M.lanes.length; i++) { const l = el("div", "lane-line"); l.style.left = laneX(i) + "px"; frag.appendChild(l); }
  for (let p = first; p < last; p++) frag.appendChild(rowEl(visible[p], p));
  rowsEl.replaceChildren(frag);
};

// the detail panel
const detail = $("detail");
const show = (ri) => {
  selected = ri;
  const r = M.rows[ri];
  detail.replaceChildren();
  if (r.d !== undefined) {
    const d = M.datagrams[r.d];
    detail.appendChild(el("h2", "", "datagram " + d.i + ": " + d.label));
    detail.appendChild(el("div", "info", "at " + secs(d.t) + " s, " + d.len + " bytes\\n" + d.info));
    const pre = el("pre", "decoded", M.texts[d.text]);
    detail.appendChild(pre);
  } else {
    const n = M.notes[r.n];
    detail.appendChild(el("h2", "", n.kind));
    detail.appendChild(el("div", "info", "at " + secs(n.t) + " s"));
    detail.appendChild(el("pre", "", n.text));
  }
  scrub.value = String(rowTime(r));
  cursor(rowTime(r));
  render(true);
};
rowsEl.addEventListener("click", (ev) => {
  const row = ev.target.closest(".row");
  if (row) show(Number(row.dataset.row));
});

// queue charts: rmem (filled) against rcvbuf (dashed), drops and ENOBUFS marked in red
const charts = [];
const queuesEl = $("queues");
if (M.queues.unavailable !== undefined) {
  queuesEl.appendChild(el("p", "muted", "Receive queues not shown: " + M.queues.unavailable));
} else {
  const enobufs = new Map();
  M.notes.forEach((n) => { if (n.kind === "enobufs") { const l = M.lanes[n.lane].id; if (!enobufs.has(l)) enobufs.set(l, []); enobufs.get(l).push(n.t); } });
  M.queues.sockets.forEach((s) => {
    const lane = M.lanes.find((l) => l.id === s.id);
    const row = el("div", "queue");
    row.dataset.socket = s.id;
    const name = el("div", "name", (lane ? lane.label + " · " : "") + "port " + s.id.split(":")[1]);
    let maxRmem = 0, rcvbuf = 0, drops = 0;
    for (let i = 0; i < s.samples.length; i += 5) { maxRmem = Math.max(maxRmem, s.samples[i + 1]); rcvbuf = Math.max(rcvbuf, s.samples[i + 2]); drops = s.samples[i + 4]; }
    name.appendChild(el("small", "muted", " peak rmem " + maxRmem + " / rcvbuf " + rcvbuf + " B" + (drops ? ", drops " + drops : "")));
    name.title = name.textContent;
    const c = el("canvas");
    row.appendChild(name); row.appendChild(c); queuesEl.appendChild(row);
    // a queue that never comes near its rcvbuf is drawn against its own peak, so it stays visible
    const offChart = maxRmem * 8 < rcvbuf;
    if (offChart) name.appendChild(el("small", "muted", " (scale: peak rmem; rcvbuf above the chart)"));
    charts.push({ s, c, top: offChart ? Math.max(maxRmem * 1.25, 1) : Math.max(maxRmem, rcvbuf, 1), enobufs: enobufs.get(s.id) || [] });
  });
}
let cursorT = null;
const drawChart = (ch) => {
  const c = ch.c, w = c.clientWidth || 600, h = 48, ratio = window.devicePixelRatio || 1;
  c.width = w * ratio; c.height = h * ratio;
  const g = c.getContext("2d"); g.scale(ratio, ratio); g.clearRect(0, 0, w, h);
  const end = Math.max(M.end, 1);
  const x = (t) => (t / end) * (w - 2) + 1, y = (v) => h - 2 - (v / ch.top) * (h - 6);
  const s = ch.s.samples;
  g.fillStyle = "rgba(9,105,218,0.25)"; g.strokeStyle = "#0969da"; g.beginPath(); g.moveTo(x(0), y(0));
  let prev = 0;
  for (let i = 0; i < s.length; i += 5) { g.lineTo(x(s[i]), y(prev)); g.lineTo(x(s[i]), y(s[i + 1])); prev = s[i + 1]; }
  g.lineTo(x(end), y(prev)); g.lineTo(x(end), y(0)); g.closePath(); g.fill();
  // a queue filled and read at the same virtual time has no width: a bar at least 2 px wide shows it
  g.fillStyle = "#0969da";
  for (let i = 0; i < s.length; i += 5) if (s[i + 1] > 0) g.fillRect(x(s[i]) - 1, y(s[i + 1]), 2, y(0) - y(s[i + 1]));
  g.setLineDash([4, 3]); g.strokeStyle = "#57606a"; g.beginPath();
  let rb = s.length > 2 ? s[2] : 0; g.moveTo(x(0), y(rb));
  for (let i = 0; i < s.length; i += 5) { g.lineTo(x(s[i]), y(rb)); rb = s[i + 2]; g.lineTo(x(s[i]), y(rb)); }
  g.lineTo(x(end), y(rb)); g.stroke(); g.setLineDash([]);
  g.fillStyle = "#cf222e";
  let dropsBefore = 0;
  for (let i = 0; i < s.length; i += 5) { if (s[i + 4] > dropsBefore) g.fillRect(x(s[i]) - 1, 0, 2, 8); dropsBefore = s[i + 4]; }
  for (const t of ch.enobufs) { g.beginPath(); g.moveTo(x(t) - 4, h); g.lineTo(x(t) + 4, h); g.lineTo(x(t), h - 7); g.fill(); }
  if (cursorT !== null) { g.strokeStyle = "#1b1f24"; g.beginPath(); g.moveTo(x(cursorT), 0); g.lineTo(x(cursorT), h); g.stroke(); }
};
const cursor = (t) => { cursorT = t; $("scrub-time").textContent = secs(t) + " s"; charts.forEach(drawChart); };

// the time scrubber: jumps to the first row at or after the time
scrub.max = String(Math.max(M.end, 1));
scrub.addEventListener("input", () => {
  const t = Number(scrub.value);
  let p = visible.findIndex((ri) => rowTime(M.rows[ri]) >= t);
  if (p < 0) p = visible.length - 1;
  diagram.scrollTop = Math.max(0, p * ROW - diagram.clientHeight / 3);
  cursor(t);
  render(false);
});
window.addEventListener("resize", () => charts.forEach(drawChart));

applyFilters();
cursor(0);
`;

const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const sha256 = (s: string): string => createHash("sha256").update(s, "utf8").digest("base64");

/** The page for `model`. */
export const renderPage = (model: ViewModel): string => {
  // inside a <script> element only "</script" and "<!--" could end or confuse it; escape every "<"
  const data = JSON.stringify(model).replace(/</g, "\\u003c");
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(SCRIPT)}'`,
    `style-src 'sha256-${sha256(STYLE)}'`,
    "img-src 'none'",
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");
  const stats = `${model.datagrams.length} datagrams, ${model.notes.length} notes, ${model.lanes.length - 1} sockets, ${model.events} trace events, ${(model.end / 1e9).toFixed(6)} s of virtual time`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(model.title)}</h1><div class="stats">${escapeHtml(stats)} · click a datagram for its messages</div></header>
<div id="toolbar">
<label>socket <select id="f-sock"><option value="">all</option></select></label>
<label>process <select id="f-proc"><option value="">all</option></select></label>
<label>type <select id="f-type"><option value="">all</option></select></label>
<label>search <input id="search" type="search" placeholder="text in messages, printk…"></label>
<label>time <input id="scrub" type="range" min="0" value="0" step="1"></label> <span id="scrub-time"></span>
<span id="count" class="muted"></span>
</div>
<div id="main">
<div id="diagram-wrap"><div id="lanes"></div><div id="diagram"><div id="rows"></div></div></div>
<aside id="detail"><p class="muted">Click a datagram to see its messages decoded, or a printk line.</p></aside>
</div>
<section id="queues"><h2>Receive queues: rmem (filled) against rcvbuf (dashed); red ticks: drops; red triangles: ENOBUFS</h2></section>
<script type="application/json" id="nlsim-data">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
};
