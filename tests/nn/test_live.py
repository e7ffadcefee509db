"""nn.LiveView: what it records, the film it writes, and the film in a real browser."""

from __future__ import annotations

import html
import random
import re
from pathlib import Path
from typing import Any

import pytest

import engine
import nn
from engine import Value
from nn import MLP, Layer, LiveView, Residual, Sequential, fit
from nn._film import dense_spec, graph_template, sample_loss_name
from nn.losses import hinge_loss
from nn.optim import SGD
from tests.browser import body_data, chromium


def moons_run(
    path: Path, epochs: int = 8, model: nn.Module | None = None, **kwargs: Any
) -> tuple[nn.Module, LiveView, nn.History, list[list[float]], list[int]]:
    X, labels = nn.make_moons(48, noise=0.1, seed=3)
    y = [2 * t - 1 for t in labels]
    random.seed(2)
    model = model if model is not None else MLP(2, [6, 6, 1])
    view = LiveView(path)
    history = fit(
        model,
        X[:40],
        y[:40],
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=epochs,
        batch_size=8,
        seed=0,
        validation=(X[40:], y[40:]),
        callbacks=[view],
        verbose=False,
        **kwargs,
    )
    return model, view, history, X, y


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("film") / "film.html"
    model, view, history, X, y = moons_run(path)
    return {"path": path, "model": model, "view": view, "history": history, "X": X, "y": y}


# --- recording and the file ---------------------------------------------------------------


def test_one_frame_per_epoch_plus_the_start(film: dict[str, Any]) -> None:
    view: LiveView = film["view"]
    assert [f["epoch"] for f in view.frames] == list(range(9))
    last = [float(f"{p.data:.7g}") for p in film["model"].parameters()]
    assert view.frames[-1]["w"] == last
    assert view.frames[3]["logs"]["loss"] == film["history"].history["loss"][2]
    assert "grad_rms/layers[0]" in view.frames[3]["logs"]  # the health panels' numbers


def test_the_film_is_one_self_contained_file(film: dict[str, Any]) -> None:
    text = film["path"].read_text()
    assert film["view"].written == film["path"]
    assert text.startswith("<!DOCTYPE html>")
    # No scripts, styles, images or fonts from anywhere else (the SVG
    # namespace URIs are names, not downloads).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|[\w./-]+\.(js|css|png))""", text)
    assert "<link" not in text
    assert "@import" not in text
    assert len(text.encode()) < 200_000


def test_dense_spec_follows_blocks_and_refuses_what_it_cannot_rerun() -> None:
    inner = Layer(3, 3, activation="tanh")
    net = Sequential(
        Layer(2, 3), Residual(inner), nn.Dropout(0.2), Layer(3, 2, activation="linear")
    )
    spec = dense_spec(net)
    assert spec is not None
    assert [(s["kind"], s["group"]) for s in spec.steps] == [
        ("dense", "Sequential.layers[0]"),
        ("residual", "Sequential.layers[1]"),
        ("dense", "Sequential.layers[3]"),
    ]
    assert (spec.nin, spec.nout) == (2, 2)

    class Custom(nn.Module):
        def __call__(self, x: Any) -> Any:
            return x

    assert dense_spec(Custom()) is None
    assert dense_spec(nn.Neuron(2)) is None


def test_the_sample_loss_follows_the_labels_for_a_loss_function() -> None:
    assert sample_loss_name("custom", [-1, 1, 1], 1) == "hinge"
    assert sample_loss_name("custom", [0, 1, 0.5], 1) == "bce_with_logits"
    assert sample_loss_name("custom", [0, 2, 1], 3) == "cross_entropy"
    assert sample_loss_name("custom", [3.5, -2.0], 1) == "mse"
    assert sample_loss_name("mse", [0, 1], 1) == "mse"


def test_inputs_that_are_not_2d_say_why_the_map_is_missing(tmp_path: Path) -> None:
    X = [[random.Random(i).uniform(-1, 1) for _ in range(3)] for i in range(20)]
    y = [1 if sum(x) > 0 else -1 for x in X]
    model = MLP(3, [4, 1])
    view = LiveView(tmp_path / "film3.html")
    fit(
        model,
        X,
        y,
        loss=hinge_loss,
        metrics=["accuracy"],
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=2,
        callbacks=[view],
        verbose=False,
    )
    payload = view.payload()
    assert not payload["two_d"]
    assert any("the inputs have 3 features" in note for note in payload["notes"])
    assert payload["graph"]["loss"] == "hinge"  # read from the -1/+1 labels
    assert "MLP.layers[1]" in payload["graph"]["svg"]


# --- the film in a real browser ---------------------------------------------------------------


def graph_numbers(svg: str) -> dict[str, dict[str, float]]:
    """Node id -> the numbers its label shows (data, grad, max |grad|)."""
    found: dict[str, dict[str, float]] = {}
    for node, body in re.findall(
        r'<g[^>]*class="node"[^>]*>\s*<title>(\w+)</title>(.*?)</g>', svg, re.S
    ):
        text = html.unescape(" ".join(re.findall(r"<text[^>]*>(.*?)</text>", body)))
        numbers = {}
        for name, pattern in (
            ("data", r"data (\S+)"),
            ("grad", r"(?<!\|)grad (\S+)"),
            ("max", r"max \|grad\| (\S+)"),
        ):
            match = re.search(pattern, text)
            if match:
                numbers[name] = float(match.group(1))
        found[node] = numbers
    return found


def test_the_page_shows_any_samples_graph_with_the_engines_numbers(film: dict[str, Any]) -> None:
    frame, sample = 5, 7
    dom = chromium(film["path"].as_uri() + f"#frame={frame}&sample={sample}", "--dump-dom")
    data = body_data(dom)
    assert data["ready"] == "1"
    assert data["frame"] == str(frame)
    assert data["graph-sample"] == str(sample)
    assert f"epoch {frame} of 8" in dom
    # The engine's own graph of that sample with that frame's weights.
    view: LiveView = film["view"]
    model = MLP(2, [6, 6, 1])
    for p, w in zip(model.parameters(), view.frames[frame]["w"]):
        p.data = w
    x, label = film["X"][sample], film["y"][sample]
    score = model([Value(v, label=f"x[{i}]") for i, v in enumerate(x)])
    assert isinstance(score, Value)
    loss = hinge_loss([score], [label])
    loss.backward()
    source = engine.draw_dot(loss, collapse="layer", color_by="grad", legend=False).source
    expected: dict[str, dict[str, float]] = {}
    for node, label_text in re.findall(r'^\t(\w+) \[label="(.*?)"', source, re.M):
        expected[node] = {
            name: float(m.group(1))
            for name, pat in (
                ("data", r"data (\S+)"),
                ("grad", r"(?<!\|)grad (\S+)"),
                ("max", r"max \\\|grad\\\| (\S+)"),
            )
            if (m := re.search(pat, label_text))
        }
    shown = graph_numbers(dom[dom.index('id="graph"') :])
    assert set(shown) == set(expected)
    for node, numbers in expected.items():
        assert shown[node].keys() == numbers.keys(), node
        for name, value in numbers.items():
            assert shown[node][name] == pytest.approx(value, rel=2e-3, abs=1e-9), (node, name)
    assert float(data["loss"]) == pytest.approx(loss.data, rel=1e-3)


@pytest.mark.parametrize(
    ("make_model", "loss", "make_labels"),
    [
        (
            lambda: Sequential(
                Layer(2, 3, activation="tanh"),
                Residual(Layer(3, 3, activation="tanh")),
                Layer(3, 3, activation="linear"),
            ),
            "cross_entropy",
            lambda X: [0 if x[0] < -0.3 else 1 if x[0] < 0.8 else 2 for x in X],
        ),
        (
            lambda: MLP(2, [5, 1], activation="sigmoid"),
            "bce_with_logits",
            lambda X: [1 if x[1] > 0.2 else 0 for x in X],
        ),
    ],
)
def test_the_pages_backward_pass_matches_the_engine_for_other_blocks_and_losses(
    tmp_path: Path, make_model: Any, loss: str, make_labels: Any
) -> None:
    X, _ = nn.make_moons(30, noise=0.1, seed=4)
    y = make_labels(X)
    random.seed(5)
    model = make_model()
    view = LiveView(tmp_path / "film.html")
    fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=SGD(model.parameters(), lr=0.3),
        epochs=4,
        batch_size=10,
        seed=0,
        callbacks=[view],
        verbose=False,
    )
    frame, sample = 3, 11
    assert view.written is not None
    dom = chromium(view.written.as_uri() + f"#frame={frame}&sample={sample}", "--dump-dom")
    assert body_data(dom)["graph-sample"] == str(sample)
    for p, w in zip(model.parameters(), view.frames[frame]["w"]):
        p.data = w
        p.grad = 123.0  # left over from elsewhere: the template must neither use nor lose it
    template = graph_template(model, dense_spec(model), X[sample], y[sample], loss)
    expected = graph_numbers(template["svg"])
    assert {p.grad for p in model.parameters()} == {123.0}
    shown = graph_numbers(dom[dom.index('id="graph"') :])
    assert set(shown) == set(expected)
    assert len(expected) >= 5
    for node, numbers in expected.items():
        assert shown[node].keys() == numbers.keys(), node
        for name, value in numbers.items():
            assert shown[node][name] == pytest.approx(value, rel=2e-3, abs=1e-9), (node, name)


def test_the_slider_changes_the_frame_and_a_click_shows_that_points_graph(
    film: dict[str, Any],
) -> None:
    dom = chromium(film["path"].as_uri() + "#frame=1&sample=0&act=slider:7,click:12", "--dump-dom")
    data = body_data(dom)
    assert data["frame"] == "7"  # the slider's input event moved the film
    assert data["map-before"] != data["map-signature"]  # and the map was redrawn
    assert data["graph-sample"] == "12"  # the click on point 12 chose it
    assert "sample 12" in re.sub(r"<[^>]+>", "", dom[dom.index('id="status"') :][:400])
    assert "Graph of sample 12" in dom


def test_the_page_renders(film: dict[str, Any], tmp_path: Path) -> None:
    shot = tmp_path / "film.png"
    chromium(
        film["path"].as_uri() + "#frame=8&sample=3",
        f"--screenshot={shot}",
        "--window-size=1300,1300",
    )
    assert shot.exists()
    image = pytest.importorskip("matplotlib.image").imread(str(shot))
    # The decision map sits near the top left: many colours there, not a blank page.
    region = image[90:380, 15:320, :3].reshape(-1, 3)
    colours = {tuple(round(float(c) * 20) for c in px) for px in region[::7]}
    assert len(colours) > 30


def test_a_model_the_page_cannot_rerun_still_gets_curves_and_a_graph(tmp_path: Path) -> None:
    class Scaled(nn.Module):
        """A model the page cannot rerun: a layer followed by a learnt scale."""

        def __init__(self) -> None:
            self.layer = Layer(2, 1, activation="linear")
            self.scale = Value(1.0)
            self.name_modules()

        def __call__(self, x: Any) -> Any:
            out = self.layer(x)
            assert isinstance(out, Value)
            return out * self.scale

        def parameters(self) -> list[Value]:
            return [*self.layer.parameters(), self.scale]

    model = Scaled()
    view = LiveView(tmp_path / "custom.html")
    X, labels = nn.make_moons(20, noise=0.1, seed=1)
    fit(
        model,
        X,
        [2 * t - 1 for t in labels],
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=2,
        callbacks=[view],
        verbose=False,
    )
    payload = view.payload()
    assert payload["spec"] is None
    assert not payload["two_d"]
    assert any("not made of nn.Layer" in note for note in payload["notes"])
    assert any("sample 0 after the last epoch" in note for note in payload["notes"])
    assert "w" not in view.frames[-1]
    assert "grad_rms/layer" in view.frames[-1]["logs"]  # its Layer is still measured
    assert (tmp_path / "custom.html").stat().st_size > 10_000


def test_outside_jupyter_without_a_path_the_film_goes_to_the_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    X, labels = nn.make_moons(16, noise=0.1, seed=1)
    model = MLP(2, [3, 1])
    view = LiveView()
    fit(
        model,
        X,
        [2 * t - 1 for t in labels],
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=1,
        callbacks=[view],
    )
    assert view.written == Path(nn.live.DEFAULT_PATH)
    assert (tmp_path / "training_film.html").is_file()
    assert (
        "LiveView: wrote the training film (2 frames) to training_film.html"
        in capsys.readouterr().out
    )
    with pytest.raises(TypeError, match="path must be a file name"):
        LiveView(3)  # type: ignore[arg-type]
