"""backward_steps: one self-contained HTML page, one frame per backward step.

The page is read back two ways: the JSON it carries (every frame's exact
grads and captions) and the inline SVG drawings (each frame's grad fields
and highlighted edges), so both are checked against ``root.backward()``.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import engine
from engine import GraphTooLargeError, Value
from engine.core.graph import values_in_order
from engine.teach.explain import local_rule
from engine.teach.names import names as display_names
from engine.teach.source import pass_order
from engine.viz.steps import BackwardSteps, backward_steps
from nn import MLP
from nn.losses import hinge_loss
from tests.fixtures import fd_local, lecture, op_graph, score, tanh_neuron

HOT = "#d62728"
FLOAT = re.compile(r"(?<![\w.#])-?(?:\d+\.\d*(?:e[-+]?\d+)?|\d+(?:e[-+]?\d+)?|inf|nan)(?![\w.])")


def page_data(page: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="chainrule-steps">(.*?)</script>', page, re.DOTALL
    )
    assert match
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def frames_svg(page: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", page, re.DOTALL)]


def write(root: Value, tmp_path: Path, **kw: Any) -> tuple[str, dict[str, Any]]:
    path = backward_steps(root, tmp_path / "steps.html", **kw)
    assert path == tmp_path / "steps.html"
    page = path.read_text(encoding="utf-8")
    return page, page_data(page)


def final_grads(root: Value) -> dict[str, float]:
    engine.zero_grad(root)
    root.backward()
    grads = {name: v.grad for v, name in display_names(root).items()}
    engine.zero_grad(root)
    return grads


def approx(shown: str, exact: float, digits: int = 4) -> bool:
    return math.isclose(float(shown), exact, rel_tol=10 ** (1 - digits), abs_tol=1e-12)


def check_page(root: Value, page: str, data: dict[str, Any]) -> None:
    """Everything the page says about ``root``'s backward pass, checked."""
    names = display_names(root)
    order = engine.topological_order(root)
    out = names[root]

    # self-contained: no network, no external files
    assert "http://" not in page
    assert "https://" not in page
    assert not re.search(r"<(script|img|link|iframe)[^>]*\b(src|href)=", page)

    # N backward steps, N + 1 frames, each with an inline SVG drawing
    frames = data["frames"]
    assert data["steps"] == len(order)
    assert len(frames) == len(order) + 1
    svgs = frames_svg(page)
    assert len(svgs) == len(frames)
    assert page.count('<section class="frame') == len(frames)
    assert f'max="{len(order)}"' in page

    # frame 0: all zero but the seed; the last frame is what backward() gives
    assert frames[0]["node"] is None
    assert {n: float(g) for n, g in frames[0]["grads"].items()} == {
        n: (1.0 if n == out else 0.0) for n in names.values()
    }
    final = final_grads(root)
    last = {n: float(g) for n, g in frames[-1]["grads"].items()}
    for name, g in final.items():
        assert last[name] == g or (math.isnan(g) and math.isnan(last[name])), name

    # frame k: the k-th node of the pass passes its gradient on
    for k, (node, frame) in enumerate(zip(reversed(order), frames[1:]), 1):
        before = {n: float(g) for n, g in frames[k - 1]["grads"].items()}
        after = {n: float(g) for n, g in frame["grads"].items()}
        assert frame["node"] == names[node]
        # its own gradient is complete when its turn comes (reverse topological order)
        assert after[names[node]] == final[names[node]]
        parents = {names[p] for p in node._prev}
        assert {n for n in after if after[n] != before[n]} <= parents
        assert frame["edges"] == [[names[p], names[node]] for p in node._prev]
        check_captions(frame, node, names, out, before, after)
        check_drawing(svgs[k], k, node, root, after)
    check_drawing(svgs[0], 0, None, root, {n: float(g) for n, g in frames[0]["grads"].items()})


def check_captions(
    frame: dict[str, Any],
    node: Value,
    names: dict[Value, str],
    out: str,
    before: dict[str, float],
    after: dict[str, float],
) -> None:
    g = before[names[node]]
    assert frame["heading"].startswith(f"Step {frame['frame']} of ")
    assert f"d{out}/d{names[node]} = " in frame["heading"]
    captions = frame["captions"]
    assert len(captions) == len(node._prev)  # one line per parent
    added: dict[str, float] = {}
    for parent, caption in zip(sorted_parents(node), captions):
        name = names[parent]
        edge = f"d{names[node]}/d{name}"
        if sum(1 for p in node._prev if p is parent) > 1:
            edge += f"#{nth_use(caption)}"
        # "local de/da = b = -3.0;  grad a += grad e * de/da = -2.0 * -3.0 = 6.0"
        local_part, _, step_part = caption.partition(";  ")
        assert local_part.startswith(f"local {edge} = "), caption
        head = f"grad {name} += grad {names[node]} * {edge} = "
        assert step_part.startswith(head), (caption, head)
        numbers = FLOAT.findall(step_part[len(head) :])
        shown_g, shown_local, shown_amount = numbers[:3]
        assert local_part.endswith(f" = {shown_local}"), caption
        i = index_of(node, parent, caption)
        local = fd_local(node, i)
        assert approx(shown_g, g)
        assert math.isclose(float(shown_local), local, rel_tol=1e-3, abs_tol=1e-6)
        assert approx(shown_amount, g * float(shown_local), 3)
        added[name] = added.get(name, 0.0) + float(shown_amount)
        if len(numbers) > 3:  # "..., so dL/da is now 12.0"
            assert ", so " in caption
    for name, amount in added.items():
        assert math.isclose(after[name] - before[name], amount, rel_tol=1e-3, abs_tol=1e-9)


def sorted_parents(node: Value) -> list[Value]:
    """The parents in the order of the captions (the fast pass's order)."""
    return [node._prev[i] for i in pass_order(node)]


def nth_use(caption: str) -> str:
    match = re.search(r"#(\d+) = ", caption)
    assert match
    return match.group(1)


def index_of(node: Value, parent: Value, caption: str) -> int:
    uses = [i for i, p in enumerate(node._prev) if p is parent]
    if len(uses) == 1:
        return uses[0]
    return uses[int(nth_use(caption)) - 1]


def check_drawing(
    svg: ET.Element, k: int, node: Value | None, root: Value, grads: dict[str, float]
) -> None:
    """The grad fields show this frame's grads; the step's edges are hot."""
    names = display_names(root)
    groups = {g.get("id"): g for g in svg.iter("g") if g.get("id")}
    for j, value in enumerate(values_in_order(root)):
        texts = [t.text for t in groups[f"f{k}-n{j}"].iter("text")]
        shown = texts[-1]
        assert shown is not None
        assert shown.startswith("grad ")
        assert approx(shown.removeprefix("grad "), grads[names[value]])
        if value._prev:
            edges = [groups[f"f{k}-e{j}_{i}"] for i in range(len(value._prev))]
            for edge in [*edges, groups[f"f{k}-o{j}"]]:
                strokes = {p.get("stroke") for p in edge.iter("path")}
                assert strokes == ({HOT} if value is node else {"black"})


# --- the lecture example -----------------------------------------------------------------


def test_lecture_page(tmp_path: Path) -> None:
    L = lecture()
    page, data = write(L, tmp_path)
    check_page(L, page, data)
    assert data["root"] == "L"
    assert [f["node"] for f in data["frames"]] == [None, "L", "d", "e"]
    assert data["frames"][3]["captions"] == [
        "local de/da = b = -3.0;  grad a += grad e * de/da = -2.0 * -3.0 = 6.0",
        "local de/db = a = 2.0;  grad b += grad e * de/db = -2.0 * 2.0 = -4.0",
    ]
    # L = d * f: the local dL/dd is f, apart from the accumulated grad d
    assert data["frames"][1]["captions"] == [
        "local dL/dd = f = -2.0;  grad d += grad L * dL/dd = 1.0 * -2.0 = -2.0",
        "local dL/df = d = 4.0;  grad f += grad L * dL/df = 1.0 * 4.0 = 4.0",
    ]
    assert (
        "Step 3 of 3: e = a * b passes its accumulated gradient grad e = dL/de = -2.0 "
        "on to its parents." in page
    )
    assert (
        "<code>local de/da = b = -3.0;  grad a += grad e * de/da = -2.0 * -3.0 = 6.0</code>" in page
    )
    # the page works offline: controls and the script are inline
    for control in ('id="back"', 'id="play"', 'id="forward"', 'id="slider"'):
        assert control in page
    assert "<script>\n(function () {" in page


def test_the_users_grads_are_left_alone(tmp_path: Path) -> None:
    L = lecture()
    values = values_in_order(L)
    for i, v in enumerate(values):
        v.grad = 100.0 + i
    BackwardSteps(L).html
    backward_steps(L, tmp_path / "a.html")
    assert [v.grad for v in values] == [100.0 + i for i in range(len(values))]


def test_pages_are_deterministic(tmp_path: Path) -> None:
    first = backward_steps(tanh_neuron(), tmp_path / "1.html").read_bytes()
    second = backward_steps(tanh_neuron(), tmp_path / "2.html").read_bytes()
    assert first == second


def test_tanh_neuron(tmp_path: Path) -> None:
    o = tanh_neuron()
    page, data = write(o, tmp_path, precision=3, rankdir="TB", title="<neuron> & co")
    check_page(o, page, data)
    assert "<title>&lt;neuron&gt; &amp; co</title>" in page
    assert data["frames"][1]["captions"] == [
        "local do/dn = 1.0 - o * o = 0.5;  grad n += grad o * do/dn = 1.0 * 0.5 = 0.5"
    ]


def test_fan_out_shows_accumulation(tmp_path: Path) -> None:
    a = Value(-2.0, label="a")
    b = a + a
    b.label = "b"
    c = b * b
    c.label = "c"
    page, data = write(c, tmp_path)
    check_page(c, page, data)
    assert data["frames"][1]["captions"] == [
        "local dc/db#1 = b = -4.0;  grad b += grad c * dc/db#1 = 1.0 * -4.0 = -4.0",
        "local dc/db#2 = b = -4.0;  grad b += grad c * dc/db#2 = 1.0 * -4.0 = -4.0, "
        "so grad b is now -8.0",
    ]
    assert data["frames"][2]["captions"][1].endswith(", so grad a is now -16.0")


@pytest.mark.parametrize("op", ["pow_const", "leaky_relu", "dot", "sum", "div", "sigmoid"])
def test_ops_with_params_and_many_parents(op: str, tmp_path: Path) -> None:
    root = op_graph(op)
    page, data = write(root, tmp_path)
    if op in ("leaky_relu",):  # kinks at 0: finite differences do not apply there
        final = final_grads(root)
        assert {n: float(g) for n, g in data["frames"][-1]["grads"].items()} == final
    else:
        check_page(root, page, data)


def test_small_mlp_page(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], activation="tanh")
    loss = hinge_loss([score(model, [0.5, -1.0]), score(model, [1.0, 0.3])], [1, -1])
    page, data = write(loss, tmp_path)
    check_page(loss, page, data)
    assert len(data["values"]) <= 80


def test_leaf_root_has_one_frame(tmp_path: Path) -> None:
    x = Value(3.0, label="x")
    page, data = write(x, tmp_path)
    assert data["steps"] == 0
    assert len(data["frames"]) == 1
    assert data["frames"][0]["grads"] == {"x": "1.0"}
    assert len(frames_svg(page)) == 1


def test_ids_are_unique_in_the_page(tmp_path: Path) -> None:
    page, _ = write(lecture(), tmp_path)
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))


# --- limits and errors --------------------------------------------------------------------------


def test_big_graphs_step_box_by_box(tmp_path: Path) -> None:
    model = MLP(2, [8, 8, 1])
    loss = score(model, [0.5, -1.0])
    n = len(values_in_order(loss))
    assert n > 80
    page = backward_steps(loss, tmp_path / "big.html", max_nodes=80).read_text()
    assert "box by box" in page
    frames = json.loads(page.split('id="group-steps">', 1)[1].split("</script>", 1)[0])["frames"]
    headings = [f["heading"] for f in frames]
    # a screenful of boxes: layer by layer or neuron by neuron, as the budget allows
    assert any("MLP.layers[0]" in h for h in headings)
    assert len(frames) - 1 < sum(1 for v in values_in_order(loss) if v._prev)
    with pytest.raises(GraphTooLargeError, match="steps x values"):
        BackwardSteps(loss, max_nodes=10)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="needs a Value"):
        backward_steps(2.0, tmp_path / "x.html")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        BackwardSteps(lecture(), rankdir="UP")
    with pytest.raises(ValueError, match="precision"):
        BackwardSteps(lecture(), precision=0)
    with pytest.raises(ValueError, match="max_nodes"):
        BackwardSteps(lecture(), max_nodes=0)


def test_jupyter_display() -> None:
    steps = BackwardSteps(lecture())
    shown = steps._repr_html_()
    assert shown.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    assert "<svg" not in shown  # all escaped inside the attribute
    assert repr(steps) == "BackwardSteps(L: 3 steps, 4 frames, 7 values)"
    assert len(steps.frames) == 4
    assert steps.frames[-1].grads[steps.root] == 1.0


def test_a_branching_rule_says_which_branch_the_numbers_took() -> None:
    n, m = Value(2.0), Value(-2.0)
    on, off = n.relu(), m.relu()
    names = {n: "n", m: "m", on: "o", off: "p"}
    assert local_rule(on, 0, names) == "1 (since n > 0)"
    assert local_rule(off, 0, names) == "0.0 (since m <= 0)"
    leaky = m.leaky_relu(0.1)
    assert local_rule(leaky, 0, {m: "m", leaky: "q"}) == "0.1 (since m <= 0)"
    t = n.tanh()
    assert local_rule(t, 0, {n: "n", t: "t"}) == "1.0 - t * t"  # no branch, no note
