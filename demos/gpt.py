"""A character-level GPT written with scalar Values, trained a few steps and drawn.

    python -m demos.gpt                  # 30 steps, writes ./demo-output/gpt
    python -m demos.gpt --steps 5 --out some/folder

The model is a GPT in miniature, every number a :class:`engine.Value`:
token and position embeddings, RMSNorm, one block of multi-head causal
self-attention and a ReLU MLP (both with residual connections), a final
RMSNorm and a linear head, softmax cross-entropy on the next character,
and Adam. It reads one word per step, one character at a time, keeping
the keys and values of earlier positions (a KV cache), as a generator
would. Every linear map is written as ``sum(w * x ...)``, a multiply and
an add per weight, so one step of a six-letter word builds about 60,000
values: the size of graph a learner gets from a GPT written this way.

Each module tags what it computes with its path (``GPT.layers[0].attn``),
and each attention head its own part (``...attn.heads[2]``), so drawings
show the step per block and per head. It writes, into ``--out``:

* ``step_graph.svg``: one training step's loss graph with the default
  ``draw_dot`` view (folded to at most 150 boxes);
* ``step_explorer.html``: the same graph in the explorer, to open by clicking.

:func:`make_model` and :func:`step_loss` are what a benchmark needs: a
model, and the loss of one step on one word.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import engine
from engine import Value, scope
from nn.module import Module
from nn.optim import Adam

BOUNDARY = "."  # marks the start and the end of a word
ALPHABET = BOUNDARY + "abcdefghijklmnopqrstuvwxyz"

# A few hundred common English words, typed for this demo.
_WORD_TEXT = """
about above across act add after again age ago agree air all allow almost alone along
already also always among and animal answer any appear apple area arm army around art
ask away baby back bad ball bank base bear beat bed before begin behind bell best better
between big bird black blood blue boat body bone book born both bottom box boy bread
break bring brother brown build burn busy buy call came camp can capital car card care
carry case cat catch cause cell cent center chair chance change charge check child
choose church circle city class clean clear climb clock close cloud coast cold color
come common cook cool copy corn corner cost cotton could count country course cover cow
crowd cry current cut dance dark day dead deal dear death decide deep degree desert
design die differ direct do doctor does dog dollar done door double down draw dream
dress drink drive drop dry during duck each ear early earth east eat edge egg eight
either else end enemy energy enough enter equal even event ever every exact except
face fact fair fall family far farm fast father fear feed feel feet fell few field
fig fight fill final find fine finger finish fire first fish fit five flat floor flow
flower fly follow food foot force forest form forward found four free fresh friend
from front fruit full fun game garden gas gather gave gentle get girl give glad glass
go gold good got grass gray great green ground group grow guess guide gun hair half
hand happen happy hard has hat have head hear heart heat heavy help her here high hill
him his hit hold hole home hope horse hot hour house how huge human hunt hurry ice idea
inch iron island job join joy jump just keep kept key kill kind king know lady lake
land large last late laugh law lay lead learn leave left leg length less letter level
lie life lift light like line lion list listen little live long look lost lot loud love
low machine made main make man many map mark market mass master match may mean meat meet
melody men metal middle might mile milk mind mine minute miss modern moment money month
moon more morning most mother motion mount mouth move much music must name nation near
neck need never new next night nine noise noon north nose note nothing notice now number
ocean off offer office often oil old once one only open order other our out over own
page paint pair paper party pass past path pay people perhaps person pick piece place
plain plan plant play please poem point poor port power press pretty print problem
pull push put queen quick quiet quite race rain raise ran reach read ready real reason
red region rest rich ride right ring river road rock roll room root rope rose round row
rule run safe said sail salt same sand save say school science sea season seat second
see seed seem sell send sense serve set seven shape share sharp she sheep shell shine
ship shoe shop short shout show side sign silver simple sing sister sit six size skin
sky sleep slow small smell smile snow soft soil soldier song soon sound south space
speak speed spell spring square stand star start stay steam step stick still stone stop
store storm story straight street strong study such sugar summer sun supply sure swim
table tail take talk tall teach team tell ten test thank thick thin thing think three
tie time tiny tire today toward town track trade train tree trip true try turn two
under unit until upon use usual valley very view village visit voice wait walk wall
want warm wash watch water wave way wear weather week weight well west wheel while white
whole wide wife wild will win wind window wing winter wire wish woman wood word work
world write yard year yellow young
"""
WORDS = _WORD_TEXT.split()


# --- the model --------------------------------------------------------------------------


def linear(weights: Sequence[Sequence[Value]], x: Sequence[Value]) -> list[Value]:
    """``W x``, one product and one addition per weight (no bias)."""
    return [sum((w * xi for w, xi in zip(row, x)), Value(0.0)) for row in weights]


def rmsnorm(x: Sequence[Value]) -> list[Value]:
    """``x / sqrt(mean(x^2) + eps)``."""
    mean_square = sum((xi * xi for xi in x), Value(0.0)) / len(x)
    scale = (mean_square + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def softmax(logits: Sequence[Value]) -> list[Value]:
    """Shifted by the largest logit (a constant) so ``exp`` never overflows."""
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps, Value(0.0))
    return [e / total for e in exps]


class Matrix(Module):
    """A weight matrix: ``rows`` x ``cols`` parameters, drawn from N(0, std)."""

    def __init__(self, rows: int, cols: int, std: float, rng: random.Random) -> None:
        self.rows = [[Value(rng.gauss(0.0, std)) for _ in range(cols)] for _ in range(rows)]

    def parameters(self) -> list[Value]:
        return [w for row in self.rows for w in row]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, row in enumerate(self.rows):
            for j, w in enumerate(row):
                yield f"w[{i}][{j}]", w

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        with scope(self.path):
            return linear(self.rows, x)


class Attention(Module):
    """Causal multi-head self-attention over the positions seen so far."""

    def __init__(self, width: int, heads: int, rng: random.Random) -> None:
        std = width**-0.5
        self.heads = heads
        self.wq, self.wk, self.wv = (Matrix(width, width, std, rng) for _ in range(3))
        self.wo = Matrix(width, width, std, rng)

    def parameters(self) -> list[Value]:
        return [p for m in (self.wq, self.wk, self.wv, self.wo) for p in m.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for name in ("wq", "wk", "wv", "wo"):
            for sub, p in getattr(self, name).named_parameters():
                yield f"{name}.{sub}", p

    def forward(
        self, x: Sequence[Value], keys: list[list[Value]], values: list[list[Value]]
    ) -> list[Value]:
        """The attention output at a new position, adding its key and value to the cache."""
        q, k, v = self.wq(x), self.wk(x), self.wv(x)
        keys.append(k)
        values.append(v)
        size = len(x) // self.heads
        out: list[Value] = []
        for h in range(self.heads):
            with scope(f"{self.path}.heads[{h}]"):
                part = slice(h * size, (h + 1) * size)
                scores = [
                    sum((a * b for a, b in zip(q[part], key[part])), Value(0.0)) / math.sqrt(size)
                    for key in keys
                ]
                weights = softmax(scores)
                out += [
                    sum((w * val[part][i] for w, val in zip(weights, values)), Value(0.0))
                    for i in range(size)
                ]
        return self.wo(out)


class FeedForward(Module):
    """``W2 relu(W1 x)``, four times wider inside."""

    def __init__(self, width: int, rng: random.Random) -> None:
        self.fc1 = Matrix(4 * width, width, width**-0.5, rng)
        self.fc2 = Matrix(width, 4 * width, (4 * width) ** -0.5, rng)

    def parameters(self) -> list[Value]:
        return [*self.fc1.parameters(), *self.fc2.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for name in ("fc1", "fc2"):
            for sub, p in getattr(self, name).named_parameters():
                yield f"{name}.{sub}", p

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        hidden = self.fc1(x)
        with scope(self.path):
            hidden = [h.relu() for h in hidden]
        return self.fc2(hidden)


class Block(Module):
    """RMSNorm, attention, residual; RMSNorm, MLP, residual."""

    def __init__(self, width: int, heads: int, rng: random.Random) -> None:
        self.attn = Attention(width, heads, rng)
        self.mlp = FeedForward(width, rng)

    def parameters(self) -> list[Value]:
        return [*self.attn.parameters(), *self.mlp.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for name in ("attn", "mlp"):
            for sub, p in getattr(self, name).named_parameters():
                yield f"{name}.{sub}", p

    def forward(
        self, x: list[Value], keys: list[list[Value]], values: list[list[Value]]
    ) -> list[Value]:
        """The block's output at a new position (keys and values: this block's cache)."""
        with scope(f"{self.path}.norm1"):
            normed = rmsnorm(x)
        attended = self.attn.forward(normed, keys, values)
        with scope(f"{self.path}.residual1"):
            x = [a + b for a, b in zip(x, attended)]
        with scope(f"{self.path}.norm2"):
            normed = rmsnorm(x)
        fed = self.mlp(normed)
        with scope(f"{self.path}.residual2"):
            return [a + b for a, b in zip(x, fed)]


class GPT(Module):
    """Embeddings, ``depth`` blocks, a final RMSNorm and a linear head."""

    def __init__(
        self, width: int = 16, heads: int = 4, depth: int = 1, context: int = 16, seed: int = 0
    ) -> None:
        if width % heads:
            raise ValueError(f"width ({width}) must be a multiple of heads ({heads})")
        rng = random.Random(seed)
        self.context = context
        self.wte = Matrix(len(ALPHABET), width, 0.3, rng)
        self.wpe = Matrix(context, width, 0.3, rng)
        self.layers = [Block(width, heads, rng) for _ in range(depth)]
        self.head = Matrix(len(ALPHABET), width, width**-0.5, rng)
        self.name_modules()

    def parameters(self) -> list[Value]:
        found = [*self.wte.parameters(), *self.wpe.parameters()]
        for block in self.layers:
            found += block.parameters()
        return found + self.head.parameters()

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for name in ("wte", "wpe"):
            for sub, p in getattr(self, name).named_parameters():
                yield f"{name}.{sub}", p
        for i, block in enumerate(self.layers):
            for sub, p in block.named_parameters():
                yield f"layers[{i}].{sub}", p
        for sub, p in self.head.named_parameters():
            yield f"head.{sub}", p

    def logits(
        self, token: int, position: int, caches: list[tuple[list[list[Value]], list[list[Value]]]]
    ) -> list[Value]:
        """The next-character logits after ``token`` at ``position``."""
        with scope(f"{self.path}.embed"):
            x = [t + p for t, p in zip(self.wte.rows[token], self.wpe.rows[position])]
        for block, (keys, values) in zip(self.layers, caches):
            x = block.forward(x, keys, values)
        with scope(f"{self.path}.norm"):
            x = rmsnorm(x)
        return self.head(x)


def encode(word: str) -> list[int]:
    """``'.cat.'`` as token numbers: the word between two boundary marks."""
    bad = sorted(set(word) - set(ALPHABET[1:]))
    if bad or not word:
        raise ValueError(f"words must be non-empty and use a-z only, got {word!r}")
    return [ALPHABET.index(ch) for ch in f"{BOUNDARY}{word}{BOUNDARY}"]


def step_loss(model: GPT, word: str) -> Value:
    """The mean cross-entropy of predicting each next character of ``word``."""
    tokens = encode(word)[: model.context + 1]
    caches: list[tuple[list[list[Value]], list[list[Value]]]] = [([], []) for _ in model.layers]
    losses = []
    for position, (token, target) in enumerate(itertools.pairwise(tokens)):
        logits = model.logits(token, position, caches)
        with scope("loss"):
            losses.append(-softmax(logits)[target].log())
    with scope("loss"):
        return sum(losses, Value(0.0)) / len(losses)


def make_model(seed: int = 0) -> GPT:
    """The demo's model: width 16, 4 heads, one block, context 16."""
    return GPT(width=16, heads=4, depth=1, context=16, seed=seed)


def train(model: GPT, steps: int, seed: int = 0, show: bool = True) -> list[float]:
    """``steps`` Adam steps, one word each; returns the losses."""
    rng = random.Random(seed)
    words = WORDS[:]
    rng.shuffle(words)
    optimizer = Adam(model.parameters(), lr=1e-2)
    losses = []
    for k in range(steps):
        loss = step_loss(model, words[k % len(words)])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
        if show:
            print(f"step {k + 1:3d}  loss {loss.data:.4f}  ({words[k % len(words)]})")
    return losses


def sample(model: GPT, rng: random.Random, limit: int = 12) -> str:
    """A made-up word, one character at a time, without recording a graph."""
    with engine.no_grad():
        caches: list[tuple[list[list[Value]], list[list[Value]]]] = [([], []) for _ in model.layers]
        token, out = 0, ""
        for position in range(min(limit, model.context)):
            probs = [p.data for p in softmax(model.logits(token, position, caches))]
            token = rng.choices(range(len(ALPHABET)), weights=probs)[0]
            if token == 0:
                break
            out += ALPHABET[token]
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="training steps (default 30)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("demo-output") / "gpt")
    args = parser.parse_args(argv)
    model = make_model(args.seed)
    print(f"GPT with {model.num_parameters():,} parameters, {len(WORDS)} words")
    train(model, args.steps, args.seed)
    rng = random.Random(args.seed)
    print("samples:", ", ".join(sample(model, rng) for _ in range(8)))

    word = "garden"
    loss = step_loss(model, word)
    loss.backward()
    count = len(engine.core.graph.values_in_order(loss))
    print(f"one step on {word!r}: {count:,} values")
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    graph = engine.draw_dot(loss, title=f"one training step of the GPT on {word!r}")
    path = graph.render(outfile=args.out / "step_graph.svg")
    print(f"wrote {path} ({time.perf_counter() - start:.1f} s)")
    from engine.viz import explore

    page = explore(loss, args.out / "step_explorer.html")
    print(f"wrote {page}")


if __name__ == "__main__":
    main()
