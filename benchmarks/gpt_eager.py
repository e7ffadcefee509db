"""A scalar GPT in the style of Karpathy's microgpt, on any Value class.

One model, written once against a small Value protocol (``+ - * / **``,
``exp``, ``log``, ``relu``, ``.data``, ``.grad``, ``backward``), so that
chainrule and a minimal microgpt-style ``Value`` run exactly the same
arithmetic in the same order: their losses must agree to the last bits.

The model: token and position embeddings, rmsnorm, one layer of
multi-head causal attention with a key/value cache (tokens are fed one at
a time, as microgpt does), a ReLU MLP, residual connections, and softmax
cross-entropy on the next character, averaged over a word. About 60,000
values per training step.

``MiniValue`` is the baseline: ``__slots__``, each node storing its
children and their local gradients, and a recursive topological sort.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

WORDS = [
    "emma",
    "olivia",
    "ava",
    "isabella",
    "sophia",
    "mia",
    "amelia",
    "harper",
    "evelyn",
    "abigail",
    "emily",
    "ella",
    "elizabeth",
    "camila",
    "luna",
    "sofia",
    "avery",
    "mila",
    "aria",
    "scarlett",
    "penelope",
    "layla",
    "chloe",
    "victoria",
    "madison",
    "eleanor",
    "grace",
    "nora",
    "riley",
    "zoey",
    "hannah",
    "hazel",
    "lily",
    "ellie",
    "violet",
    "liam",
    "noah",
    "oliver",
    "elijah",
    "james",
    "william",
    "benjamin",
    "lucas",
    "henry",
    "theodore",
    "jack",
    "levi",
    "alexander",
    "jackson",
    "mateo",
    "daniel",
    "michael",
    "mason",
    "sebastian",
    "ethan",
    "logan",
    "owen",
    "samuel",
]
CHARS = sorted(set("".join(WORDS)))
BOS = len(CHARS)  # the start/end token
VOCAB = len(CHARS) + 1
N_EMBD, N_HEAD, BLOCK = 16, 4, 10
HEAD_DIM = N_EMBD // N_HEAD


class MiniValue:
    """The baseline: a minimal microgpt-style scalar autograd node."""

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(
        self, data: float, children: tuple[Any, ...] = (), local_grads: tuple[Any, ...] = ()
    ) -> None:
        self.data = data
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> MiniValue:
        other = other if isinstance(other, MiniValue) else MiniValue(other)
        return MiniValue(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: Any) -> MiniValue:
        other = other if isinstance(other, MiniValue) else MiniValue(other)
        return MiniValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other: float) -> MiniValue:
        return MiniValue(self.data**other, (self,), (other * self.data ** (other - 1),))

    def log(self) -> MiniValue:
        return MiniValue(math.log(self.data), (self,), (1 / self.data,))

    def exp(self) -> MiniValue:
        e = math.exp(self.data)
        return MiniValue(e, (self,), (e,))

    def relu(self) -> MiniValue:
        return MiniValue(max(0.0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self) -> Any:
        return self * -1

    def __radd__(self, other: Any) -> Any:
        return self + other

    def __sub__(self, other: Any) -> Any:
        return self + (-other)

    def __rsub__(self, other: Any) -> Any:
        return other + (-self)

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def __truediv__(self, other: Any) -> Any:
        return self * other**-1

    def __rtruediv__(self, other: Any) -> Any:
        return other * self**-1

    def backward(self) -> None:
        topo: list[MiniValue] = []
        visited: set[MiniValue] = set()

        def build(v: MiniValue) -> None:
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            for child, local in zip(v._children, v._local_grads):
                child.grad += local * v.grad


# --- the model, written once for any Value class ------------------------------------

Matrix = list[list[Any]]


def make_params(value: Callable[[float], Any], seed: int = 0) -> dict[str, Matrix]:
    rng = random.Random(seed)

    def matrix(rows: int, cols: int, std: float = 0.08) -> Matrix:
        return [[value(rng.gauss(0.0, std)) for _ in range(cols)] for _ in range(rows)]

    return {
        "wte": matrix(VOCAB, N_EMBD),
        "wpe": matrix(BLOCK, N_EMBD),
        "wq": matrix(N_EMBD, N_EMBD),
        "wk": matrix(N_EMBD, N_EMBD),
        "wv": matrix(N_EMBD, N_EMBD),
        "wo": matrix(N_EMBD, N_EMBD),
        "fc1": matrix(4 * N_EMBD, N_EMBD),
        "fc2": matrix(N_EMBD, 4 * N_EMBD),
        "lm_head": matrix(VOCAB, N_EMBD),
    }


def plain_dot(ws: Sequence[Any], xs: Sequence[Any]) -> Any:
    return sum(w * x for w, x in zip(ws, xs))


# How the model adds things up: Python's sum() for any Value class, or an
# engine's fused ops (chainrule's engine.dot and engine.sum build one node
# for a whole sum, adding left to right from 0 exactly as sum() does, so
# every forward number is the same bit for bit).
OPS: dict[str, Callable[..., Any]] = {"dot": plain_dot, "sum": sum}


def use_ops(dot: Callable[..., Any], total: Callable[..., Any]) -> None:
    OPS["dot"], OPS["sum"] = dot, total


def linear(x: Sequence[Any], w: Matrix) -> list[Any]:
    dot = OPS["dot"]
    return [dot(row, x) for row in w]


def softmax(logits: Sequence[Any]) -> list[Any]:
    top = max(v.data for v in logits)  # a constant: shifts the exponents, not the result
    exps = [(v - top).exp() for v in logits]
    total = OPS["sum"](exps)
    return [e / total for e in exps]


def rmsnorm(x: Sequence[Any]) -> list[Any]:
    mean_square = OPS["dot"](x, x) / len(x)
    scale = (mean_square + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def gpt(
    token: int, pos: int, keys: list[list[Any]], values: list[list[Any]], p: dict[str, Matrix]
) -> list[Any]:
    """The logits for the next token, given this token and the cache of earlier ones."""
    x = [t + q for t, q in zip(p["wte"][token], p["wpe"][pos])]
    x = rmsnorm(x)
    residual = x
    x = rmsnorm(x)
    q, k, v = linear(x, p["wq"]), linear(x, p["wk"]), linear(x, p["wv"])
    keys.append(k)
    values.append(v)
    heads: list[Any] = []
    for h in range(N_HEAD):
        lo, hi = h * HEAD_DIM, (h + 1) * HEAD_DIM
        qh = q[lo:hi]
        scores = [OPS["dot"](qh, kt[lo:hi]) / HEAD_DIM**0.5 for kt in keys]
        weights = softmax(scores)
        heads += [
            OPS["dot"](weights, [values[t][lo + j] for t in range(len(keys))])
            for j in range(HEAD_DIM)
        ]
    x = [a + b for a, b in zip(linear(heads, p["wo"]), residual)]
    residual = x
    x = rmsnorm(x)
    x = [h.relu() for h in linear(x, p["fc1"])]
    x = [a + b for a, b in zip(linear(x, p["fc2"]), residual)]
    return linear(x, p["lm_head"])


def word_loss(word: str, p: dict[str, Matrix]) -> Any:
    """Mean next-character cross-entropy over one word, framed by BOS tokens."""
    tokens = [BOS, *(CHARS.index(c) for c in word), BOS][:BLOCK]
    keys: list[list[Any]] = []
    values: list[list[Any]] = []
    losses = []
    for pos in range(len(tokens) - 1):
        probs = softmax(gpt(tokens[pos], pos, keys, values, p))
        losses.append(-probs[tokens[pos + 1]].log())
    return OPS["sum"](losses) / len(losses)


def parameters(p: dict[str, Matrix]) -> list[Any]:
    return [v for matrix in p.values() for row in matrix for v in row]


def train_step(word: str, p: dict[str, Matrix], lr: float = 0.05) -> float:
    """One step of plain SGD on one word; returns the loss before the update."""
    loss = word_loss(word, p)
    loss.backward()
    for v in parameters(p):
        v.data -= lr * v.grad
        v.grad = 0.0
    return float(loss.data)
