"use strict";
// The explorer page: folded graph, open/fold groups, hover details, search,
// pan and zoom, gradient colours. Data comes from engine/viz/explore.py.
(function () {
  const D = JSON.parse(document.getElementById("graph-data").textContent);
  const TOP = D.top, N = D.names.length, LIMIT = 400;
  const num = (x) => (typeof x === "string" ? Number(x) : x);
  const data = D.data.map(num), grad = D.grad.map(num);
  const SVGNS = "http://www.w3.org/2000/svg";
  const svg = document.getElementById("graph"), tip = document.getElementById("tip");
  const status = document.getElementById("status"), view = document.getElementById("view");
  const kinds = ["input", "constant", "parameter", "computed"];
  const fills = { input: "#cfe2f3", constant: "#eeeeee", parameter: "#cfe2f3", computed: "#fff2cc", output: "#d9ead3", group: "#e4d7f5" };
  const RAMP = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"];

  // --- the tree: children, members, users --------------------------------------
  const childGroups = new Map(), members = new Map();
  const push = (m, k, v) => { if (!m.has(k)) m.set(k, []); m.get(k).push(v); };
  D.groups.forEach((g, id) => push(childGroups, g[0], id));
  D.group.forEach((g, i) => push(members, g, i));
  const users = Array.from({ length: N }, () => []);
  D.parents.forEach((ps, i) => ps.forEach((j, k) => users[j].push([i, k])));
  const open = new Set(D.open);
  let memo = [];
  function closedAncestor(g) { // outermost closed group around (and including) g, or -1
    if (memo[g] !== undefined) return memo[g];
    const parent = D.groups[g][0];
    const outer = parent === TOP ? -1 : closedAncestor(parent);
    return (memo[g] = outer !== -1 ? outer : open.has(g) ? -1 : g);
  }
  function boxOf(i) {
    const g = D.group[i];
    if (g === TOP) return "v" + i;
    const c = closedAncestor(g);
    return c === -1 ? "v" + i : "g" + c;
  }
  function ancestors(g) { const out = []; while (g !== TOP) { out.push(g); g = D.groups[g][0]; } return out; }

  // --- numbers and words --------------------------------------------------------
  const fmt = (x) => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x));
  const kindOf = (i) => (i === D.root ? "output" : kinds[D.kind[i]]);
  function localFormula(i, k) {
    const r = D.rules[D.op[i]], ps = D.parents[i], args = {};
    let f;
    if (r.shape === "fixed") { f = r.grads[k]; r.args.forEach((a, j) => (args[a] = ps[j])); }
    else if (r.shape === "each") { f = r.grads[0]; args.x = ps[k]; }
    else {
      const half = Math.floor(ps.length / 2);
      if (k < half) { f = r.grads[0]; args.w = ps[k]; args.x = ps[k + half]; }
      else if (k < 2 * half) { f = r.grads[1]; args.w = ps[k - half]; args.x = ps[k]; }
      else { f = r.grads[2]; args.b = ps[k]; }
    }
    const params = D.params[i] || [];
    const text = f.replace(/\b[A-Za-z_]\w*\b/g, (w) => {
      if (w === "g") return "1";
      if (w === "out") return D.names[i];
      if (w in args) return D.names[args[w]];
      const p = r.params.indexOf(w);
      return p >= 0 ? fmt(num(params[p])) : w;
    });
    return text.replace(/^1 \* /, "").replace(/^-1 \* /, "-").replace(/^\(?1\)?$/, "1");
  }
  const INFIX = { add: "+", sub: "-", mul: "*", div: "/", pow: "**" };
  function forwardText(i) { // how node i was computed, in the graph's names
    const r = D.rules[D.op[i]], xs = D.parents[i].map((j) => D.names[j]);
    if (r.name in INFIX && xs.length === 2) return `${xs[0]} ${INFIX[r.name]} ${xs[1]}`;
    if (r.name === "pow_const") return `${xs[0]} ** ${fmt(num(D.params[i][0]))}`;
    if (r.name === "neg") return "-" + xs[0];
    if (xs.length > 4) return `${r.name} of ${xs.length} inputs`;
    return `${r.name}(${xs.concat((D.params[i] || []).map((p) => fmt(num(p)))).join(", ")})`;
  }
  function valueTip(i) {
    const name = D.names[i], lines = [];
    lines.push(`<b>${esc(name)}</b>  (${kindOf(i)}${D.group[i] === TOP ? "" : ", in " + esc(D.groups[D.group[i]][2])})`);
    lines.push(`data = ${fmt(data[i])}    grad = d${esc(D.names[D.root])}/d${esc(name)} = ${fmt(grad[i])}`);
    const ps = D.parents[i];
    if (ps.length) {
      const how = forwardText(i);
      lines.push(`made by ${esc(D.label[i])}:  ${esc(name)} = ${esc(how)}`);
      lines.push("local derivatives (this op alone, the rule, then its number):");
      ps.slice(0, 6).forEach((j, k) => lines.push(`  d${esc(name)}/d${esc(D.names[j])} = ${esc(localFormula(i, k))} = ${fmt(num(D.local[i][k]))}`));
      if (ps.length > 6) lines.push(`  ... and ${ps.length - 6} more inputs`);
    }
    lines.push("accumulated gradient (chain rule, summed over the uses of " + esc(name) + "):");
    if (i === D.root) lines.push(`  d${esc(name)}/d${esc(name)} = 1, the seed of the backward pass`);
    else {
      const us = users[i];
      const terms = us.slice(0, 5).map(([c, k]) => `d${esc(D.names[c])}/d${esc(name)} \u00b7 grad ${esc(D.names[c])} = ${fmt(num(D.local[c][k]))} \u00d7 ${fmt(grad[c])}`);
      lines.push(`  grad ${esc(name)} = ` + (terms.join("\n    + ") || "0 (nothing uses it)"));
      if (us.length > 5) lines.push(`    + ... ${us.length - 5} more uses`);
      lines.push(`  = ${fmt(grad[i])}`);
    }
    return lines.join("\n");
  }
  function groupTip(g, node) {
    const [, kind, title, size] = D.groups[g];
    const lines = [`<b>${esc(title)}</b>  (${kind} group, ${size.toLocaleString()} values)`];
    if (node.out >= 0) lines.push(`output ${esc(D.names[node.out])}: data ${fmt(data[node.out])}, grad ${fmt(grad[node.out])}`);
    lines.push("click to open it");
    return lines.join("\n");
  }
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  // --- what is on screen ------------------------------------------------------------
  function build() {
    memo = [];
    const nodes = new Map(), edges = new Map();
    for (let i = 0; i < N; i++) {
      const b = boxOf(i);
      let n = nodes.get(b);
      if (!n) nodes.set(b, (n = { id: b, first: i, out: -1, mag: 0 }));
      if (i === D.root) n.root = true;
    }
    for (let i = 0; i < N; i++) {
      const ps = D.parents[i];
      if (!ps.length) continue;
      const bi = boxOf(i);
      for (const j of ps) {
        const bj = boxOf(j);
        if (bj === bi) continue;
        const key = bj + ">" + bi;
        let e = edges.get(key);
        if (!e) edges.set(key, (e = { src: bj, dst: bi, count: 0, params: true }));
        e.count++;
        if (D.kind[j] !== 2) e.params = false;
        const src = nodes.get(bj);
        if (bj[0] === "g" && (src.out < 0 || D.parents[j].length)) { src.out = src.out < 0 || !D.parents[src.out].length ? j : src.out; }
        if (bj[0] === "g") src.mag = Math.max(src.mag, Math.abs(grad[j]));
      }
    }
    const rootBox = nodes.get(boxOf(D.root));
    if (rootBox.id[0] === "g") { rootBox.out = D.root; rootBox.mag = Math.max(rootBox.mag, Math.abs(grad[D.root])); }
    return { nodes: [...nodes.values()], edges: [...edges.values()] };
  }

  function label(n) {
    if (n.id[0] === "v") {
      const i = +n.id.slice(1), op = D.parents[i].length ? `  (${D.label[i]})` : "";
      return [D.names[i] + op, `data ${fmt(data[i])}  grad ${fmt(grad[i])}`];
    }
    const g = +n.id.slice(1), [, , title, size] = D.groups[g];
    const lines = [short(title, 34), size.toLocaleString() + " values"];
    if (n.out >= 0) lines.push(`out ${short(D.names[n.out], 16)}: ${fmt(data[n.out])}, grad ${fmt(grad[n.out])}`);
    return lines;
  }
  const short = (s, w) => (s.length <= w ? s : "\u2026" + s.slice(s.length - w + 1));

  // --- nested layered layout ------------------------------------------------------------
  // Each open group is laid out on its own (its boxes and the groups open
  // inside it), then placed in its parent's layout as one big box: a frame
  // holds its group's boxes and nothing else, and frames nest without
  // crossing. Every level is a layered layout: longest-path layers,
  // barycentre sweeps, each layer stacked across the flow and centred.
  const TITLE = 24, PAD = 12;
  let spans = new Map(); // open group -> [x, y, w, h] of its frame
  function layout(g) {
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    g.nodes.forEach((n) => { n.lines = label(n);
      n.w = 16 + 7.4 * Math.max(...n.lines.map((l) => l.length)); n.h = 10 + 17 * n.lines.length; });
    // Where each box sits: the open groups around it, outermost first.
    const chain = new Map(), kids = new Map([[TOP, { boxes: [], groups: new Set() }]]);
    for (const n of g.nodes) {
      const inner = n.id[0] === "g" ? D.groups[+n.id.slice(1)][0] : D.group[+n.id.slice(1)];
      const path = ancestors(inner).reverse();
      chain.set(n.id, path);
      let at = TOP;
      for (const a of path) {
        if (!kids.has(a)) kids.set(a, { boxes: [], groups: new Set() });
        kids.get(at).groups.add(a);
        at = a;
      }
      kids.get(at).boxes.push(n);
    }
    // An arrow between two boxes joins, at each level both lie inside, the
    // items (boxes or groups) of that level that hold them.
    const links = new Map([...kids.keys()].map((k) => [k, []]));
    for (const e of g.edges) {
      const a = chain.get(e.src), b = chain.get(e.dst);
      let k = 0;
      while (k < a.length && k < b.length && a[k] === b[k]) k++;
      const level = k ? a[k - 1] : TOP;
      const item = (path, box) => (k < path.length ? "f" + path[k] : box);
      const src = item(a, e.src), dst = item(b, e.dst);
      if (src !== dst) links.get(level).push([src, dst]);
    }
    const r = svg.getBoundingClientRect();
    const fits = (size) => Math.min((r.width || 1200) / size[0], (r.height || 700) / size[1]);
    // Both directions are laid out to compare them; the downward one was laid out last.
    const sizeLr = nest(TOP, kids, links, false), sizeTb = nest(TOP, kids, links, true);
    downwards = fits(sizeTb) > fits(sizeLr);
    if (!downwards) nest(TOP, kids, links, false);
    spans = new Map();
    place(TOP, kids, 0, 0);
    return byId;
  }
  function nest(gid, kids, links, down) {
    // Lays out one open group (or the whole graph) and returns its size.
    const { boxes, groups } = kids.get(gid);
    const items = [...boxes];
    for (const k of groups) {
      const [w, h] = nest(k, kids, links, down);
      items.push({ id: "f" + k, group: k, w: w + 2 * PAD, h: h + TITLE + PAD, first: firstOf(k, kids) });
    }
    const size = layers(items, links.get(gid), down);
    kids.get(gid).items = items;
    return size;
  }
  function firstOf(gid, kids) {
    const { boxes, groups } = kids.get(gid);
    return Math.min(...boxes.map((n) => n.first), ...[...groups].map((k) => firstOf(k, kids)));
  }
  function layers(items, links, down) {
    // One level's layered layout: sets each item's x and y (its top left,
    // from the level's top left) and returns the level's [width, height].
    const byId = new Map(items.map((n) => [n.id, n]));
    const ins = new Map(), outs = new Map(), seenLink = new Set();
    items.forEach((n) => { ins.set(n.id, []); outs.set(n.id, []); n.layer = 0; });
    for (const [a, b] of links) {
      if (seenLink.has(a + ">" + b)) continue;
      seenLink.add(a + ">" + b); outs.get(a).push(b); ins.get(b).push(a);
    }
    const pending = new Map(items.map((n) => [n.id, ins.get(n.id).length]));
    const ready = items.filter((n) => !pending.get(n.id)).map((n) => n.id);
    let seen = 0;
    for (;;) {
      while (ready.length) {
        const id = ready.pop(); seen++;
        for (const d of outs.get(id)) {
          byId.get(d).layer = Math.max(byId.get(d).layer, byId.get(id).layer + 1);
          pending.set(d, pending.get(d) - 1);
          if (pending.get(d) === 0) ready.push(d);
        }
      }
      if (seen >= items.length) break;
      // a cycle (a group's output feeds back into it): release the earliest waiting box
      const stuck = items.filter((n) => pending.get(n.id) > 0).sort((a, b) => a.first - b.first)[0];
      pending.set(stuck.id, 0); ready.push(stuck.id);
    }
    // An item nothing flows into (an input, a constant) waits in the layer
    // just before its first user, not in the first layer, far from it.
    for (const n of items) {
      if (!ins.get(n.id).length && outs.get(n.id).length) {
        n.layer = Math.max(0, Math.min(...outs.get(n.id).map((d) => byId.get(d).layer)) - 1);
      }
    }
    const rows = [];
    items.forEach((n) => (rows[n.layer] = rows[n.layer] || []).push(n));
    const layersUsed = rows.filter(Boolean);
    layersUsed.forEach((l) => { l.sort((a, b) => a.first - b.first); l.forEach((n, k) => (n.index = k)); });
    for (let sweep = 0; sweep < 6; sweep++) {
      const forward = sweep % 2 === 0;
      for (const l of forward ? layersUsed : [...layersUsed].reverse()) {
        for (const n of l) {
          const nb = (forward ? ins : outs).get(n.id).map((id) => byId.get(id));
          n.key = nb.length ? nb.reduce((t, m) => t + m.index / Math.max(1, rows[m.layer].length), 0) / nb.length : n.index / l.length;
        }
        l.sort((a, b) => a.key - b.key || a.first - b.first);
        l.forEach((n, k) => (n.index = k));
      }
    }
    // Along the flow, one layer after another; across it, each layer's items
    // stacked and centred on the widest layer.
    const along = down ? (n) => n.h : (n) => n.w, across = down ? (n) => n.w : (n) => n.h;
    const gap = down ? 24 : 18, step = down ? 60 : 70;
    const extent = layersUsed.map((l) => l.reduce((t, n) => t + across(n) + gap, -gap));
    const width = Math.max(0, ...extent);
    let at = 0;
    layersUsed.forEach((l, k) => {
      const depth = Math.max(...l.map(along));
      let c = (width - extent[k]) / 2;
      for (const n of l) {
        const a = at + (depth - along(n)) / 2;
        if (down) { n.x = c; n.y = a; } else { n.x = a; n.y = c; }
        c += across(n) + gap;
      }
      at += depth + step;
    });
    const length = Math.max(0, at - step);
    return down ? [width, length] : [length, width];
  }
  function place(gid, kids, ox, oy) {
    // Absolute positions: a level's items from its origin, a group's inside its frame.
    for (const n of kids.get(gid).items) {
      const x = ox + n.x, y = oy + n.y;
      if (n.group === undefined) { n.x = x; n.y = y; continue; }
      spans.set(n.group, [x, y, n.w, n.h]);
      place(n.group, kids, x + PAD, y + TITLE);
    }
  }

  // --- drawing ---------------------------------------------------------------------
  const world = el("g", { id: "world" });
  svg.appendChild(world);
  let current = null, tf = { x: 40, y: 300, k: 1 }, found = null, downwards = false;
  function el(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function colour(n) {
    if (!document.getElementById("gradcolour").checked) {
      return n.id[0] === "g" ? fills.group : fills[kindOf(+n.id.slice(1))];
    }
    const m = n.id[0] === "g" ? n.mag : Math.abs(grad[+n.id.slice(1)]);
    if (!Number.isFinite(m)) return "#3f6fb5";
    if (m === 0) return "#d9d9d9";
    const t = Math.min(Math.max((Math.log10(m) - scale.low) / (scale.high - scale.low), 0), 1) * (RAMP.length - 1);
    return RAMP[Math.round(t)];
  }
  let scale = { low: -6, high: 1 };
  function render() {
    const g = build();
    const byId = layout(g);
    const mags = g.nodes.map((n) => (n.id[0] === "g" ? n.mag : Math.abs(grad[+n.id.slice(1)]))).filter((m) => m > 0 && Number.isFinite(m));
    scale = mags.length ? { low: Math.floor(Math.log10(Math.min(...mags))), high: Math.ceil(Math.log10(Math.max(...mags))) } : { low: 0, high: 1 };
    if (scale.high === scale.low) scale.high++;
    world.textContent = "";
    drawFrames();
    const edgeLayer = el("g", {}, world);
    for (const e of g.edges) {
      const a = byId.get(e.src), b = byId.get(e.dst);
      let x1, y1, x2, y2, d;
      if (downwards) {
        x1 = a.x + a.w / 2; y1 = a.y + a.h; x2 = b.x + b.w / 2; y2 = b.y; const my = (y1 + y2) / 2;
        d = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
      } else {
        x1 = a.x + a.w; y1 = a.y + a.h / 2; x2 = b.x; y2 = b.y + b.h / 2; const mx = (x1 + x2) / 2;
        d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
      }
      const mx = (x1 + x2) / 2;
      el("path", { d, class: "edge" + (e.params ? " params" : ""), "stroke-width": Math.min(1.2 + Math.log10(e.count), 4) }, edgeLayer);
      if (e.count > 1) el("text", { x: mx, y: (y1 + y2) / 2 - 3, class: "edge-label" }, edgeLayer).textContent = "\u00d7" + e.count + (e.params ? " params" : "");
    }
    for (const n of g.nodes) {
      const box = el("g", { class: "box " + (n.id[0] === "g" ? "group" : "value") + (n.root ? " root" : "") + (n.id === found ? " found" : ""), "data-id": n.id, transform: `translate(${n.x},${n.y})` }, world);
      el("rect", { width: n.w, height: n.h, fill: colour(n) }, box);
      n.lines.forEach((line, k) => (el("text", { x: 8, y: 19 + 17 * k }, box).textContent = line));
      box.addEventListener("mouseover", (ev) => showTip(n, ev));
      box.addEventListener("mousemove", (ev) => placeTip(ev));
      box.addEventListener("mouseout", () => (tip.hidden = true));
      if (n.id[0] === "g") box.addEventListener("click", (ev) => { ev.stopPropagation(); openGroup(+n.id.slice(1)); });
    }
    current = g;
    status.textContent = `${N.toLocaleString()} values, ${g.nodes.length} boxes on screen, ${open.size} groups open`;
    apply();
  }
  function drawFrames() {
    // Outer frames first, so that the frames open inside them are drawn on top.
    const order = [...spans.keys()].sort((a, b) => ancestors(a).length - ancestors(b).length);
    for (const gid of order) {
      const [x, y, w, h] = spans.get(gid);
      const f = el("g", { class: "frame", "data-frame": gid }, world);
      el("rect", { x, y, width: w, height: h }, f);
      const t = el("text", { x: x + 8, y: y + 16 }, f);
      t.textContent = short(D.groups[gid][2], Math.max(12, Math.floor((w - 60) / 7.4))) + "  \u25be fold";
      t.addEventListener("click", (ev) => { ev.stopPropagation(); foldGroup(gid); });
    }
  }
  function openGroup(g) {
    const items = D.groups[g][4];
    if ((current ? current.nodes.length : 0) + items - 1 > LIMIT) {
      status.textContent = `${D.groups[g][2]} holds ${items.toLocaleString()} boxes: too many to lay out here. Search for a value inside it instead.`;
      return false;
    }
    open.add(g); render(); return true;
  }
  function foldGroup(g) {
    open.delete(g);
    for (const other of [...open]) if (ancestors(other).includes(g)) open.delete(other);
    render();
  }
  function showTip(n, ev) {
    tip.innerHTML = n.id[0] === "g" ? groupTip(+n.id.slice(1), n) : valueTip(+n.id.slice(1));
    tip.hidden = false; placeTip(ev);
  }
  function placeTip(ev) {
    const r = view.getBoundingClientRect();
    tip.style.left = Math.min(ev.clientX - r.left + 14, r.width - 420) + "px";
    tip.style.top = Math.min(ev.clientY - r.top + 14, r.height - 120) + "px";
  }

  // --- pan, zoom, fit, search -------------------------------------------------------------
  function apply() { world.setAttribute("transform", `translate(${tf.x},${tf.y}) scale(${tf.k})`); }
  function fit() {
    const b = world.getBBox(), r = svg.getBoundingClientRect();
    if (!b.width || !r.width) return;
    tf.k = Math.min(r.width / (b.width + 40), r.height / (b.height + 40), 1.5);
    tf.x = (r.width - b.width * tf.k) / 2 - b.x * tf.k; tf.y = (r.height - b.height * tf.k) / 2 - b.y * tf.k;
    apply();
  }
  function zoom(factor, cx, cy) { tf.x = cx - (cx - tf.x) * factor; tf.y = cy - (cy - tf.y) * factor; tf.k *= factor; apply(); }
  svg.addEventListener("wheel", (ev) => { ev.preventDefault(); const r = svg.getBoundingClientRect(); zoom(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - r.left, ev.clientY - r.top); }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (ev) => { drag = { x: ev.clientX - tf.x, y: ev.clientY - tf.y }; view.classList.add("dragging"); });
  window.addEventListener("pointermove", (ev) => { if (drag) { tf.x = ev.clientX - drag.x; tf.y = ev.clientY - drag.y; apply(); } });
  window.addEventListener("pointerup", () => { drag = null; view.classList.remove("dragging"); });
  window.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "INPUT") return;
    const r = svg.getBoundingClientRect();
    if (ev.key === "+" || ev.key === "=") zoom(1.2, r.width / 2, r.height / 2);
    if (ev.key === "-") zoom(1 / 1.2, r.width / 2, r.height / 2);
  });
  document.getElementById("fit").addEventListener("click", fit);
  document.getElementById("gradcolour").addEventListener("change", render);
  function search(query) {
    query = query.trim();
    if (!query) return;
    let i = D.names.indexOf(query);
    if (i < 0) i = D.names.findIndex((s) => s.startsWith(query) || s.endsWith(query));
    if (i < 0) { status.textContent = `no value is named ${query}`; return; }
    for (const g of ancestors(D.group[i]).reverse()) if (!open.has(g)) open.add(g);
    found = "v" + i;
    render();
    if (current.nodes.length > LIMIT) status.textContent += " (large: opened to show " + D.names[i] + ")";
    const box = svg.querySelector(`[data-id="${found}"]`), r = svg.getBoundingClientRect();
    if (box) { const b = box.getBBox(), m = box.transform.baseVal[0].matrix; tf.k = 1; tf.x = r.width / 2 - m.e - b.width / 2; tf.y = r.height / 2 - m.f; apply(); }
  }
  document.getElementById("search").addEventListener("keydown", (ev) => { if (ev.key === "Enter") search(ev.target.value); });

  // --- start, and actions named in the address (#open=a|b&hover=mul2&find=w[0]&grad=1), for tests
  render();
  fit();
  const actions = new URLSearchParams(location.hash.slice(1));
  if (actions.get("grad")) { document.getElementById("gradcolour").checked = true; render(); }
  // a box by its id (g3, v12), a group by its title or a value by its name
  const idOf = (key) => {
    if (/^[gv]\d+$/.test(key)) return key;
    const g = D.groups.findIndex((grp) => grp[2] === key);
    return g >= 0 ? "g" + g : "v" + D.names.indexOf(key);
  };
  for (const key of (actions.get("open") || "").split("|").filter(Boolean)) {
    const id = idOf(key), box = svg.querySelector(`[data-id="${id}"]`);
    if (box) box.dispatchEvent(new MouseEvent("click", { bubbles: true })); else status.textContent = "no box " + key;
    fit();
  }
  if (actions.get("find")) { document.getElementById("search").value = actions.get("find"); search(actions.get("find")); }
  if (actions.get("hover")) {
    const box = svg.querySelector(`[data-id="${idOf(actions.get("hover"))}"]`);
    if (box) { const r = box.getBoundingClientRect(); box.dispatchEvent(new MouseEvent("mouseover", { bubbles: true, clientX: r.x + 5, clientY: r.y + 5 })); }
  }
  document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
})();
