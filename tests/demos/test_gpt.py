"""The scalar GPT of demos/gpt.py: its gradients, its training, its drawing."""

from __future__ import annotations

import math
import random
import re
from pathlib import Path

import pytest

from demos import gpt
from engine import Value, draw_dot
from engine.core.graph import values_in_order


def tiny() -> gpt.GPT:
    return gpt.GPT(width=4, heads=2, depth=1, context=6, seed=1)


def test_gradients_match_finite_differences() -> None:
    model = tiny()
    loss = gpt.step_loss(model, "cat")
    loss.backward()
    params = model.parameters()
    rng = random.Random(0)
    for p in rng.sample(params, 8):
        saved, h = p.data, 1e-6
        p.data = saved + h
        up = gpt.step_loss(model, "cat").data
        p.data = saved - h
        down = gpt.step_loss(model, "cat").data
        p.data = saved
        assert math.isclose(p.grad, (up - down) / (2 * h), rel_tol=1e-4, abs_tol=1e-7)


def test_building_blocks() -> None:
    xs = [Value(1.0), Value(-2.0), Value(3.0)]
    probs = gpt.softmax(xs)
    assert math.isclose(sum(p.data for p in probs), 1.0)
    normed = gpt.rmsnorm(xs)
    assert math.isclose(sum(v.data**2 for v in normed) / 3, 1.0, rel_tol=1e-4)
    assert gpt.encode("ab") == [0, 1, 2, 0]
    with pytest.raises(ValueError, match="a-z only"):
        gpt.encode("Cat")
    with pytest.raises(ValueError, match="multiple of heads"):
        gpt.GPT(width=5, heads=2)


def test_training_lowers_the_loss_and_names_every_parameter() -> None:
    model = tiny()
    losses = gpt.train(model, 12, show=False)
    assert sum(losses[-4:]) / 4 < sum(losses[:4]) / 4
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == len(set(names)) == model.num_parameters()
    assert "layers[0].attn.wq.w[0][1]" in names
    assert all(len(gpt.WORDS[i]) > 0 for i in range(len(gpt.WORDS)))
    assert len(gpt.WORDS) >= 300


def test_one_step_is_drawn_per_block_and_head(tmp_path: Path) -> None:
    model = gpt.make_model()
    loss = gpt.step_loss(model, "garden")
    loss.backward()
    assert 50_000 < len(values_in_order(loss)) < 70_000
    source = draw_dot(loss).source
    assert len(re.findall(r"^\t+(v\d+|g\d+|cut) \[", source, re.M)) <= 150
    for part in ("heads[0]", "heads[3]", 'label="wq', 'label="fc1', 'label="loss\\n', "norm1"):
        assert part in source
