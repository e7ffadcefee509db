"use strict";
// Flips the frames of the box-by-box step page (engine/viz/group_steps.py).
(function () {
  const data = JSON.parse(document.getElementById("group-steps").textContent);
  const byName = {};
  document.querySelectorAll("#drawing g.node").forEach((g) => {
    byName[g.querySelector("title").textContent] = g;
  });
  const slider = document.getElementById("slider");
  function show(k) {
    const frame = data.frames[k];
    slider.value = k;
    document.getElementById("where").textContent = `frame ${k} of ${data.frames.length - 1}`;
    document.getElementById("heading").textContent = frame.heading;
    const list = document.getElementById("captions");
    list.textContent = "";
    frame.captions.forEach((c) => { const li = document.createElement("li"); li.textContent = c; list.appendChild(li); });
    for (const [id, text] of Object.entries(frame.numbers)) {
      const g = byName[id];
      if (!g) continue;
      const texts = g.querySelectorAll("text");
      texts[texts.length - 1].textContent = text;
    }
    Object.values(byName).forEach((g) => g.classList.remove("hot"));
    if (frame.box && byName[frame.box]) byName[frame.box].classList.add("hot");
    if (frame.box && frame.box[0] === "v" && byName["op" + frame.box.slice(1)]) byName["op" + frame.box.slice(1)].classList.add("hot");
  }
  let timer = null;
  const step = (d) => show(Math.min(Math.max(+slider.value + d, 0), data.frames.length - 1));
  document.getElementById("back").onclick = () => step(-1);
  document.getElementById("forward").onclick = () => step(1);
  document.getElementById("play").onclick = () => {
    if (timer) { clearInterval(timer); timer = null; return; }
    timer = setInterval(() => { if (+slider.value >= data.frames.length - 1) { clearInterval(timer); timer = null; } else step(1); }, 900);
  };
  slider.oninput = () => show(+slider.value);
  document.addEventListener("keydown", (e) => { if (e.key === "ArrowRight") step(1); if (e.key === "ArrowLeft") step(-1); });
  // The panel: a click on a group box flips through the scalar steps inside it.
  const panel = document.getElementById("panel");
  const innerSlider = document.getElementById("inner-slider");
  let opened = null;
  function fill(list, lines) {
    list.textContent = "";
    lines.forEach((c) => { const li = document.createElement("li"); li.textContent = c; list.appendChild(li); });
  }
  function showInner(j) {
    const steps = data.panels[opened].steps;
    const last = Math.max(steps.length - 1, 0);
    j = Math.min(Math.max(j, 0), last);
    innerSlider.value = j;
    document.body.dataset.innerStep = String(j);
    const more = data.panels[opened].more;
    document.getElementById("inner-where").textContent = steps.length
      ? `step ${j + 1} of ${steps.length}${more ? ` (and ${more} more not listed)` : ""}` : "";
    document.getElementById("inner-heading").textContent = steps.length ? steps[j].heading
      : "No chain-rule step starts inside this box: its values are leaves, whose gradients the boxes that use them fill.";
    fill(document.getElementById("inner-captions"), steps.length ? steps[j].captions : []);
  }
  function openPanel(box) {
    if (!data.panels[box]) return;
    if (opened && byName[opened]) byName[opened].classList.remove("opened");
    opened = box;
    byName[box].classList.add("opened");
    panel.hidden = false;
    document.body.dataset.openGroup = box;
    document.getElementById("panel-title").textContent = data.panels[box].title;
    innerSlider.max = Math.max(data.panels[box].steps.length - 1, 0);
    showInner(0);
  }
  function closePanel() {
    if (opened && byName[opened]) byName[opened].classList.remove("opened");
    opened = null;
    panel.hidden = true;
    delete document.body.dataset.openGroup;
  }
  for (const box of Object.keys(data.panels)) {
    const g = byName[box];
    if (!g) continue;
    g.classList.add("clickable");
    g.addEventListener("click", () => (opened === box ? closePanel() : openPanel(box)));
  }
  document.getElementById("panel-close").onclick = closePanel;
  document.getElementById("inner-back").onclick = () => showInner(+innerSlider.value - 1);
  document.getElementById("inner-forward").onclick = () => showInner(+innerSlider.value + 1);
  innerSlider.oninput = () => showInner(+innerSlider.value);
  // Test hooks in the URL: #frame=3, #click=g5 (a real click event), #inner=2.
  const hash = new URLSearchParams(location.hash.slice(1));
  const start = +(hash.get("frame") || 0);
  show(Math.min(start, data.frames.length - 1));
  const click = hash.get("click");
  if (click && byName[click]) byName[click].dispatchEvent(new MouseEvent("click", { bubbles: true }));
  if (opened && hash.get("inner")) showInner(+hash.get("inner"));
})();
