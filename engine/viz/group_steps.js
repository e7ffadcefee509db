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
  const start = +(new URLSearchParams(location.hash.slice(1)).get("frame") || 0);
  show(Math.min(start, data.frames.length - 1));
})();
