(function () {
"use strict";
const D = JSON.parse(document.getElementById("film-data").textContent);
const $ = (id) => document.getElementById(id);
const S = { frame: D.frames.length - 1, sample: 0, playing: false, timer: null };
const COLORS = ["#cc3311", "#0077bb", "#009988", "#ee7733", "#aa3377", "#33bbee", "#777777"];

function pyG(x, p) {  // Python's format(x, ".4g")
  if (x === null || x === undefined || Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return (1 / x < 0) ? "-0" : "0";
  const e = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(p)))));
  if (e < -4 || e >= p) {
    let [m, ex] = x.toExponential(p - 1).split("e");
    if (m.includes(".")) m = m.replace(/0+$/, "").replace(/\.$/, "");
    const n = parseInt(ex, 10);
    return m + "e" + (n < 0 ? "-" : "+") + String(Math.abs(n)).padStart(2, "0");
  }
  let t = x.toFixed(Math.max(0, p - 1 - e));
  if (t.includes(".")) t = t.replace(/0+$/, "").replace(/\.$/, "");
  return t;
}

// --- the network, rerun from one frame's weights ---------------------------------------
const ACT = {
  relu: (z) => (z > 0 ? z : 0), tanh: Math.tanh, linear: (z) => z,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
};
const DACT = {  // derivative from the pre-activation z and the output a
  relu: (z, a) => (z > 0 ? 1 : 0), tanh: (z, a) => 1 - a * a, linear: () => 1,
  sigmoid: (z, a) => a * (1 - a),
};
function unpack(w) {  // per step: W[j][i] and b[j]
  const out = []; let k = 0; let nin = D.spec.nin;
  for (const step of D.spec.steps) {
    const W = [], b = [];
    for (let j = 0; j < step.width; j++) {
      W.push(w.slice(k, k + nin)); k += nin; b.push(w[k]); k += 1;
    }
    out.push({ W, b }); nin = step.width;
  }
  return out;
}
function forward(P, x) {
  const trace = []; let a = x;
  D.spec.steps.forEach((step, s) => {
    const { W, b } = P[s]; const f = ACT[step.act];
    const z = W.map((row, j) => row.reduce((acc, wi, i) => acc + wi * a[i], b[j]));
    let out = z.map(f);
    const act = out;
    if (step.kind === "residual") out = out.map((o, j) => o + a[j]);
    trace.push({ input: a, z, act, out }); a = out;
  });
  return { out: a, trace };
}
function lossAndGrad(name, s, t) {
  if (name === "hinge") {
    const m = 1 - t * s[0];
    return [m > 0 ? m : 0, [m > 0 ? -t : 0]];
  }
  if (name === "bce_with_logits") {
    const z = s[0];
    const L = Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
    return [L, [1 / (1 + Math.exp(-z)) - t]];
  }
  if (name === "cross_entropy") {
    const m = Math.max(...s); const e = s.map((z) => Math.exp(z - m));
    const sum = e.reduce((p, q) => p + q, 0);
    return [Math.log(sum) + m - s[t], e.map((v, i) => v / sum - (i === t ? 1 : 0))];
  }
  const ts = Array.isArray(t) ? t : [t]; const n = s.length;  // mse
  return [s.reduce((acc, v, i) => acc + (v - ts[i]) ** 2, 0) / n,
          s.map((v, i) => (2 * (v - ts[i])) / n)];
}
function sampleGraph(P, x, t) {
  const { out, trace } = forward(P, x);
  const [L, gOut] = lossAndGrad(D.graph.loss, out, t);
  const steps = []; let g = gOut;
  for (let s = D.spec.steps.length - 1; s >= 0; s--) {
    const step = D.spec.steps[s]; const tr = trace[s]; const { W } = P[s];
    const gz = tr.z.map((z, j) => g[j] * DACT[step.act](z, tr.act[j]));
    let maxP = 0;
    gz.forEach((gj, j) => {
      maxP = Math.max(maxP, Math.abs(gj));
      tr.input.forEach((ai) => { maxP = Math.max(maxP, Math.abs(gj * ai)); });
    });
    const gIn = tr.input.map((_, i) => gz.reduce((acc, gj, j) => acc + gj * W[j][i], 0));
    if (step.kind === "residual") gIn.forEach((_, i) => { gIn[i] += g[i]; });
    steps[s] = { data: tr.out[0], grad: g[0], maxP };
    g = gIn;
  }
  return { loss: L, steps, inputs: x.map((v, i) => ({ data: v, grad: g[i] })) };
}

// --- colours as draw_dot's color_by='grad' ---------------------------------------------
function hex(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }
function ramp(t) {
  const R = D.palette.ramp; t = Math.min(Math.max(t, 0), 1) * (R.length - 1);
  const i = Math.min(Math.floor(t), R.length - 2); const f = t - i;
  const a = hex(R[i]), b = hex(R[i + 1]);
  return "#" + a.map((v, k) => Math.round(v + (b[k] - v) * f).toString(16).padStart(2, "0")).join("");
}
function luminance(c) {
  const lin = (v) => { const s = v / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const [r, g, b] = hex(c); return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
function gradScale(mags) {
  const fin = mags.map(Math.abs).filter((m) => Number.isFinite(m) && m > 0);
  let lo = 0, hi = 1;
  if (fin.length) { lo = Math.floor(Math.log10(Math.min(...fin))); hi = Math.ceil(Math.log10(Math.max(...fin))); }
  if (hi === lo) hi += 1;
  return (m) => {
    m = Math.abs(m);
    if (!Number.isFinite(m)) return D.palette.nonfinite;
    if (m === 0) return D.palette.zero;
    return ramp((Math.log10(m) - lo) / (hi - lo));
  };
}

// --- the graph panel ----------------------------------------------------------------------
function setNumbers(node, values) {
  for (const t of node.querySelectorAll("text")) {
    let s = t.textContent;
    if ("data" in values) s = s.replace(/data \S+/, "data " + pyG(values.data, 4));
    if ("grad" in values) s = s.replace(/grad (?!\|)\S+/, "grad " + pyG(values.grad, 4));
    if ("maxP" in values) s = s.replace(/max \|grad\| \S+/, "max |grad| " + pyG(values.maxP, 4));
    t.textContent = s;
  }
}
function paint(node, fill) {
  const shape = node.querySelector("path, polygon, ellipse");
  if (shape) shape.setAttribute("fill", fill);
  const ink = luminance(fill) < 0.18 ? "white" : "black";
  for (const t of node.querySelectorAll("text")) t.setAttribute("fill", ink);
}
function updateGraph() {
  if (!D.graph) return;
  const nodes = {};
  for (const g of $("graph").querySelectorAll("g.node")) nodes[g.querySelector("title").textContent] = g;
  const x = sampleX(S.sample), t = sampleY(S.sample);
  $("graphtitle").textContent = `Graph of sample ${S.sample}'s ${D.graph.loss} loss` +
    (D.spec ? ` at ${S.frame === 0 ? "the start" : "epoch " + S.frame}` : " after the last epoch");
  document.body.dataset.graphSample = String(S.sample);
  if (!D.spec) return;
  if (broken(D.frames[S.frame])) {
    $("graphtitle").textContent += ": not shown, the weights are nan or inf";
    return;
  }
  const G = sampleGraph(unpack(D.frames[S.frame].w), x, t);
  const mags = []; const plan = [];
  for (const [id, role] of Object.entries(D.graph.roles)) {
    if (!nodes[id]) continue;
    let v;
    if (role[0] === "loss") v = { data: G.loss, grad: 1, mag: 1 };
    else if (role[0] === "input") v = { data: G.inputs[role[1]].data, grad: G.inputs[role[1]].grad };
    else { const s = G.steps[role[1]]; v = { data: s.data, grad: s.grad, maxP: s.maxP, mag: s.maxP }; }
    if (!("mag" in v)) v.mag = v.grad;
    mags.push(v.mag); plan.push([nodes[id], v]);
  }
  const colour = gradScale(mags);
  for (const [node, v] of plan) { setNumbers(node, v); paint(node, colour(v.mag)); }
  for (const [id, node] of Object.entries(nodes)) {
    if (!(id in D.graph.roles)) node.classList.add("unmapped");
  }
  document.body.dataset.loss = pyG(G.loss, 4);
}

// --- data, map and unit thumbnails -----------------------------------------------------------
function sampleX(i) { return i < D.X.length ? D.X[i] : D.val[0][i - D.X.length]; }
function sampleY(i) { return i < D.X.length ? D.y[i] : D.val[1][i - D.X.length]; }
function allPoints() {
  const pts = D.X.map((x, i) => ({ x, y: D.y[i], i, val: false }));
  if (D.val) D.val[0].forEach((x, k) => pts.push({ x, y: D.val[1][k], i: D.X.length + k, val: true }));
  return pts;
}
const PTS = allPoints();
let EXT = null;
if (D.two_d) {
  const xs = PTS.map((p) => p.x[0]), ys = PTS.map((p) => p.x[1]);
  const pad = (a) => 0.1 * (Math.max(...a) - Math.min(...a) || 1);
  EXT = [Math.min(...xs) - pad(xs), Math.max(...xs) + pad(xs), Math.min(...ys) - pad(ys), Math.max(...ys) + pad(ys)];
}
function toPixel(p, w, h) {
  return [((p[0] - EXT[0]) / (EXT[1] - EXT[0])) * w, (1 - (p[1] - EXT[2]) / (EXT[3] - EXT[2])) * h];
}
function classOf(y) {
  if (D.classes === 2) return y > 0 ? 1 : 0;
  if (D.classes > 2) return y;
  return -1;
}
function mix(a, b, t) { const A = hex(a), B = hex(b); return A.map((v, k) => Math.round(v + (B[k] - v) * t)); }
const N = 60;
// JSON has no nan or inf: such weights arrive as null, and null * x is 0 in
// JavaScript, so a frame with them is shown as missing, never computed with.
function broken(frame) { return frame.w.some((v) => v === null); }
function drawMap() {
  if (!D.two_d) return;
  const cv = $("map"), ctx = cv.getContext("2d"), W = cv.width, H = cv.height;
  if (broken(D.frames[S.frame])) {
    ctx.fillStyle = "#eeeeee"; ctx.fillRect(0, 0, W, H); ctx.fillStyle = "#8a4b00";
    ctx.fillText("weights are nan or inf at this epoch", 20, H / 2);
    $("units").textContent = "";
    return;
  }
  const P = unpack(D.frames[S.frame].w);
  const img = ctx.createImageData(N, N);
  const hidden = D.spec.steps.slice(0, -1).map((st) => Array.from({ length: st.width }, () => new Float64Array(N * N)));
  for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) {
    const x = [EXT[0] + ((c + 0.5) / N) * (EXT[1] - EXT[0]), EXT[3] - ((r + 0.5) / N) * (EXT[3] - EXT[2])];
    const { out, trace } = forward(P, x);
    trace.slice(0, -1).forEach((tr, s) => tr.out.forEach((v, j) => { hidden[s][j][r * N + c] = v; }));
    let rgb;
    if (out.length === 1) {
      const t = Math.tanh(out[0]);
      rgb = mix("#ffffff", t > 0 ? COLORS[1] : COLORS[0], Math.min(1, Math.abs(t)) * 0.75);
    } else {
      const m = Math.max(...out); const e = out.map((z) => Math.exp(z - m)); const sum = e.reduce((a, b) => a + b, 0);
      const k = out.indexOf(m);
      rgb = mix("#ffffff", COLORS[k % COLORS.length], Math.min(1, (e[k] / sum - 1 / out.length) / (1 - 1 / out.length)) * 0.8);
    }
    const o = 4 * (r * N + c); img.data.set([...rgb, 255], o);
  }
  const off = document.createElement("canvas"); off.width = N; off.height = N;
  off.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false; ctx.drawImage(off, 0, 0, W, H);
  for (const p of PTS) {
    const [px, py] = toPixel(p.x, W, H); const k = classOf(p.y);
    ctx.beginPath(); ctx.arc(px, py, p.i === S.sample ? 6 : 3.5, 0, 2 * Math.PI);
    const col = k < 0 ? "#444444" : COLORS[k % COLORS.length];
    if (p.val) { ctx.lineWidth = 2; ctx.strokeStyle = col; ctx.stroke(); }
    else { ctx.fillStyle = col; ctx.fill(); ctx.lineWidth = 1; ctx.strokeStyle = "#ffffff"; ctx.stroke(); }
    if (p.i === S.sample) { ctx.lineWidth = 2; ctx.strokeStyle = "#000000"; ctx.stroke(); }
  }
  drawUnits(hidden);
  document.body.dataset.mapSignature = signature(ctx, W, H);
}
function signature(ctx, W, H) {  // a cheap digest of the map's pixels, for tests
  const d = ctx.getImageData(0, 0, W, H).data; let h = 0;
  for (let i = 0; i < d.length; i += 97) h = (h * 31 + d[i]) % 1000000007;
  return String(h);
}
function drawUnits(hidden) {
  const box = $("units"); box.innerHTML = "";
  hidden.forEach((units, s) => {
    const row = document.createElement("div"); row.className = "unitrow";
    row.appendChild(document.createTextNode(D.spec.steps[s].group + " "));
    const act = D.spec.steps[s].act;
    units.forEach((vals) => {
      const cv = document.createElement("canvas"); cv.width = N; cv.height = N;
      cv.style.width = "44px"; cv.style.height = "44px";
      const img = cv.getContext("2d").createImageData(N, N);
      let lo = Infinity, hi = -Infinity; for (const v of vals) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      const span = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
      vals.forEach((v, k) => {
        const t = act === "relu" || act === "sigmoid" ? v / (hi || 1) : v / span;
        const rgb = t >= 0 ? mix("#ffffff", "#e66100", Math.min(1, t)) : mix("#ffffff", "#5d3a9b", Math.min(1, -t));
        img.data.set([...rgb, 255], 4 * k);
      });
      if (act === "relu" && hi <= 0) cv.title = "dead here: never active on this plane";
      cv.getContext("2d").putImageData(img, 0, 0); row.appendChild(cv);
    });
    box.appendChild(row);
  });
}

// --- curves and health panels -------------------------------------------------------------------
function chart(svg, series, opts) {
  const W = +svg.getAttribute("width"), H = +svg.getAttribute("height"), L = 38, B = 18;
  const n = D.frames.length; let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const v of s.values) if (v !== null && Number.isFinite(v)) {
    const u = opts.log ? Math.log10(Math.max(v, 1e-300)) : v; lo = Math.min(lo, u); hi = Math.max(hi, u);
  }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; } if (hi === lo) { hi += 1; lo -= 1; }
  if (opts.range) [lo, hi] = opts.range;
  const X = (k) => L + (k / Math.max(1, n - 1)) * (W - L - 6);
  const Y = (v) => { const u = opts.log ? Math.log10(Math.max(v, 1e-300)) : v; return 4 + (1 - (u - lo) / (hi - lo)) * (H - B - 8); };
  let out = `<line x1="${L}" y1="${H - B}" x2="${W - 4}" y2="${H - B}" stroke="#999"/>`;
  out += `<text x="2" y="12">${opts.log ? "1e" + Math.round(hi) : pyG(hi, 3)}</text><text x="2" y="${H - B}">${opts.log ? "1e" + Math.round(lo) : pyG(lo, 3)}</text>`;
  series.forEach((s, i) => {
    let d = ""; let pen = false;
    s.values.forEach((v, k) => {
      if (v === null || !Number.isFinite(v)) { pen = false; return; }
      d += (pen ? "L" : "M") + X(k + s.offset).toFixed(1) + "," + Y(v).toFixed(1); pen = true;
    });
    const col = COLORS[(s.color ?? i) % COLORS.length];
    out += `<path d="${d}" fill="none" stroke="${col}" stroke-width="1.5"${s.dash ? ' stroke-dasharray="4,2"' : ""}/>`;
    const lx = W - 6 - 64 * (i % 3), ly = 12 + 11 * Math.floor(i / 3);
    out += `<text x="${lx}" y="${ly}" fill="${col}" text-anchor="end">${s.name}</text>`;
  });
  out += `<line class="marker" x1="${X(S.frame)}" y1="2" x2="${X(S.frame)}" y2="${H - B}" stroke="#000" stroke-dasharray="2,2"/>`;
  svg.innerHTML = out;
}
function metric(name) { return D.frames.slice(1).map((f) => (name in f.logs ? f.logs[name] : null)); }
function drawCharts() {
  const has = (k) => D.frames.some((f) => k in f.logs);
  const loss = [{ name: "train", values: metric("loss"), offset: 1, color: 0 }];
  if (has("val_loss")) loss.push({ name: "validation", values: metric("val_loss"), offset: 1, color: 1, dash: true });
  chart($("losschart"), loss, { log: true });
  const acc = [];
  if (has("accuracy")) acc.push({ name: "train", values: metric("accuracy"), offset: 1, color: 0 });
  if (has("val_accuracy")) acc.push({ name: "validation", values: metric("val_accuracy"), offset: 1, color: 1, dash: true });
  if (acc.length) chart($("accchart"), acc, { range: [0, 1] });
  else $("accchart").innerHTML = '<text x="10" y="40">no accuracy recorded</text>';
  const titles = { grad_rms: "gradient RMS (log)", update_ratio: "log10 update / data", dead: "dead ReLU share", saturated: "saturated share" };
  const row = $("healthrow"); row.innerHTML = "";
  for (const m of Object.keys(titles)) {
    const keys = D.health.filter((k) => k.startsWith(m + "/") && has(k));
    if (!keys.length) continue;
    const p = document.createElement("div"); p.className = "panel";
    p.innerHTML = `<h2>${titles[m]}</h2><svg class="chart" width="250" height="150"></svg>`;
    row.appendChild(p);
    chart(p.querySelector("svg"), keys.map((k, i) => ({ name: k.split("/")[1], values: metric(k), offset: 1, color: i })),
      { log: m === "grad_rms", range: m === "dead" || m === "saturated" ? [0, 1] : null });
  }
}

// --- state and controls --------------------------------------------------------------------------
function status() {
  const f = D.frames[S.frame]; const parts = [S.frame === 0 ? "before training" : `epoch ${S.frame} of ${D.epochs}`];
  for (const k of ["loss", "accuracy", "val_loss", "val_accuracy"]) if (k in f.logs && f.logs[k] !== null) parts.push(`${k} ${pyG(f.logs[k], 4)}`);
  parts.push(`sample ${S.sample}`);
  return parts.join(" · ");
}
function show() {
  $("frame").value = String(S.frame);
  $("status").textContent = status();
  document.body.dataset.frame = String(S.frame);
  drawMap(); drawCharts(); updateGraph();
}
function setFrame(k) { S.frame = Math.max(0, Math.min(D.frames.length - 1, k)); show(); }
function selectSample(i) { S.sample = i; show(); }
function toggle() {
  S.playing = !S.playing; $("play").textContent = S.playing ? "pause" : "play";
  if (S.playing) {
    if (S.frame === D.frames.length - 1) setFrame(0);
    S.timer = setInterval(() => { if (S.frame >= D.frames.length - 1) toggle(); else setFrame(S.frame + 1); }, 120);
  } else clearInterval(S.timer);
}
function pointAt(cx, cy) {
  const cv = $("map"); let best = -1, dist = 10;
  for (const p of PTS) {
    const [px, py] = toPixel(p.x, cv.width, cv.height); const d = Math.hypot(px - cx, py - cy);
    if (d < dist) { dist = d; best = p.i; }
  }
  return best;
}
function init() {
  $("title").textContent = D.title;
  document.title = D.title;
  for (const n of D.notes) { const p = document.createElement("p"); p.className = "note"; p.textContent = n; $("notes").appendChild(p); }
  if (!D.two_d) { $("mappanel").style.display = "none"; $("unitpanel").style.display = "none"; }
  if (D.graph) $("graph").innerHTML = D.graph.svg; else $("graph").textContent = "no graph";
  $("graphlegend").textContent = "Boxes filled by |grad| on a log scale fitted to the graph, as draw_dot's " +
    "color_by='grad' (light grey: a gradient of exactly 0, as for a sample beyond the " +
    "hinge margin). Faded boxes are not recomputed: they keep sample 0's numbers after training.";
  const sl = $("frame"); sl.max = String(D.frames.length - 1);
  sl.addEventListener("input", () => setFrame(parseInt(sl.value, 10)));
  $("back").addEventListener("click", () => setFrame(S.frame - 1));
  $("next").addEventListener("click", () => setFrame(S.frame + 1));
  $("play").addEventListener("click", toggle);
  document.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") { setFrame(S.frame - 1); e.preventDefault(); }
    else if (e.key === "ArrowRight") { setFrame(S.frame + 1); e.preventDefault(); }
    else if (e.key === " ") { toggle(); e.preventDefault(); }
  });
  $("map").addEventListener("click", (e) => {
    const r = e.target.getBoundingClientRect();
    const i = pointAt((e.clientX - r.left) * ($("map").width / r.width), (e.clientY - r.top) * ($("map").height / r.height));
    if (i >= 0) selectSample(i);
  });
  const q = new URLSearchParams(location.hash.slice(1));
  if (q.has("frame")) S.frame = Math.max(0, Math.min(D.frames.length - 1, parseInt(q.get("frame"), 10)));
  if (q.has("sample")) S.sample = parseInt(q.get("sample"), 10);
  show();
  // Test hooks: act=slider:K,click:I moves the slider and clicks a point
  // through the same handlers a user's input reaches.
  for (const act of (q.get("act") || "").split(",").filter(Boolean)) {
    const [what, arg] = act.split(":");
    if (what === "slider") {
      document.body.dataset.mapBefore = document.body.dataset.mapSignature || "";
      sl.value = arg;
      sl.dispatchEvent(new Event("input"));
    } else if (what === "click" && D.two_d) {
      const p = PTS[parseInt(arg, 10)];
      const cv = $("map");
      const r = cv.getBoundingClientRect();
      const [px, py] = toPixel(p.x, cv.width, cv.height);
      const clientX = r.left + (px * r.width) / cv.width;
      const clientY = r.top + (py * r.height) / cv.height;
      cv.dispatchEvent(new MouseEvent("click", { bubbles: true, clientX, clientY }));
    }
  }
  document.body.dataset.ready = "1";
}
// --- live in Jupyter: new frames arrive by message ---------------------------------------
// The notebook posts {chainruleLive: id, start, frames, health?, graph?}: the
// frames from index `start` on. Frames the page has are skipped, so a message
// seen twice changes nothing; a message that would leave a gap is refused.
function receive(e) {
  const m = e.data;
  if (!m || m.chainruleLive !== D.live || !Array.isArray(m.frames)) return;
  if (m.start > D.frames.length) { document.body.dataset.gaps = String(+(document.body.dataset.gaps || 0) + 1); return; }
  const atEnd = S.frame === D.frames.length - 1;
  const fresh = m.frames.slice(D.frames.length - m.start);
  if (m.health) D.health = m.health;
  if (m.graph) { D.graph = m.graph; $("graph").innerHTML = D.graph.svg; }
  if (!fresh.length && !m.health && !m.graph) return;
  D.frames.push(...fresh);
  $("frame").max = String(D.frames.length - 1);
  if (atEnd && !S.playing) S.frame = D.frames.length - 1;  // follow training unless scrubbing
  document.body.dataset.frames = String(D.frames.length);
  show();
}
window.film = { setFrame, selectSample, state: S, sampleGraph, unpack };
init();
if (D.live) {
  window.addEventListener("message", receive);
  document.body.dataset.frames = String(D.frames.length);
  // Ask the notebook (any frame of it: the update script may live in another
  // output's frame) for the messages sent before this listener existed.
  const hello = { chainruleLiveHello: D.live };
  (function post(w) {
    for (let i = 0; i < w.length; i++) {
      try { if (w[i] !== window) { w[i].postMessage(hello, "*"); post(w[i]); } } catch (err) { /* unreachable */ }
    }
  })(window.top);
  if (window.top !== window) window.top.postMessage(hello, "*");
}
})();
