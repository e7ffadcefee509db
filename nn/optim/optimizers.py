"""Optimizers with PyTorch's names, defaults and update rules.

An optimizer owns a list of parameters (``Value`` leaves). ``step()`` reads
every ``p.grad`` and changes ``p.data`` in place. It works on plain floats,
so it never adds nodes to a graph::

    opt = Adam(model.parameters(), lr=0.01)
    sched = StepLR(opt, step_size=30, gamma=0.5)
    for epoch in range(100):
        opt.zero_grad()
        loss = ...            # forward pass
        loss.backward()
        opt.step()
        sched.step()          # once per epoch, after opt.step()

Each update rule is the pseudo-code of PyTorch's documentation, and
``tests/test_optim.py`` checks every option against ``torch.optim`` number
for number. Where we differ from torch, it is on purpose:

* There is one parameter group. ``param_groups[0]`` holds the
  hyperparameters as in torch, and ``opt.lr`` is a shortcut to its ``'lr'``.
* A ``Value``'s grad is a float, never ``None``, so ``zero_grad()`` sets it
  to 0.0 and every parameter takes part in every step. torch skips a tensor
  whose grad is ``None``; here a parameter with grad 0.0 still steps, so
  weight decay and momentum keep moving it (as torch does for a zero grad).
* ``state_dict()`` is plain JSON: hyperparameters, a step count, and each
  state buffer as a list of floats in parameter order (torch keeps one dict of
  tensors per parameter). The buffer names are torch's.

This module is longer than most on purpose: the base class and the five
optimizers stay together so that their update rules can be read side by
side, each about one screen, in the order torch's documentation gives them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from engine import Value, enable_grad
from nn._checks import check_flag, check_real, check_torch_nonnegative

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop"]

T = TypeVar("T")


# --- checking arguments ---------------------------------------------------------


def _betas(betas: object) -> tuple[float, float]:
    pair = tuple(betas) if isinstance(betas, Iterable) else ()
    if len(pair) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r:.40}")
    checked = []
    for i, b in enumerate(pair):
        x = check_real(b, f"betas[{i}]")
        if not 0.0 <= x < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b}")
        checked.append(x)
    return checked[0], checked[1]


def _as_params(params: object, who: str) -> list[Value]:
    if isinstance(params, Value):
        raise TypeError(
            f"{who} takes an iterable of Values, got a single Value; "
            f"wrap it in a list: {who}([v], ...)"
        )
    if callable(getattr(params, "parameters", None)):
        raise TypeError(
            f"{who} takes an iterable of Values, got a {type(params).__name__}; "
            "pass model.parameters()"
        )
    if not isinstance(params, Iterable):
        raise TypeError(
            f"{who} takes an iterable of Values, got {type(params).__name__} {params!r:.40}"
        )
    items = list(params)
    if not items:
        raise ValueError(
            "optimizer got an empty parameter list "
            "(does the model have no parameters, or was a generator already used up?)"
        )
    checked: list[Value] = []
    seen: dict[int, int] = {}
    for i, p in enumerate(items):
        if isinstance(p, dict):
            raise TypeError(
                "parameter groups (dicts) are not supported: a chainrule optimizer has "
                "one group. Pass a flat list of Values."
            )
        if not isinstance(p, Value):
            raise TypeError(
                f"{who} can only optimize Values, but parameter {i} is {type(p).__name__} {p!r:.40}"
            )
        first = seen.setdefault(id(p), i)
        if first != i:
            # Kept, not dropped: the list is the user's. torch warns the same way.
            warnings.warn(
                f"parameter {i} is the same Value as parameter {first}; "
                "it will be updated twice per step",
                UserWarning,
                stacklevel=4,
            )
        checked.append(p)
    return checked


# --- the base class -------------------------------------------------------------


class Optimizer:
    """Base class: the parameters, one hyperparameter group, and state buffers.

    Subclasses list their buffer names in ``_buffer_names`` and implement
    ``_update``, which sees the hyperparameters and ``self.step_count``
    already counting the current step (t = 1 on the first step).
    """

    _buffer_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Value], hyperparameters: dict[str, Any]) -> None:
        self.params: list[Value] = _as_params(params, type(self).__name__)
        # torch's layout: a list of groups, each a dict with its 'params'.
        self.param_groups: list[dict[str, Any]] = [{"params": self.params, **hyperparameters}]
        # Buffer name -> one float per parameter. Created on first use, as torch does.
        self.state: dict[str, list[float]] = {}
        self.step_count = 0

    @property
    def lr(self) -> float:
        """The learning rate: ``param_groups[0]['lr']``, which schedulers set."""
        return float(self.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        self.param_groups[0]["lr"] = check_torch_nonnegative(value, "learning rate")

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0 (torch's ``set_to_none`` has no use here)."""
        for p in self.params:
            p.grad = 0.0

    def step(self, closure: Callable[[], T] | None = None) -> T | None:
        """Update every parameter from its grad, once.

        ``closure``, as in torch, recomputes the loss (zero_grad, forward,
        backward) and returns it; ``step`` then returns that loss.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self.step_count += 1
        self._update(self.param_groups[0])
        return loss

    def _update(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    def _buffer(self, name: str, fill: float) -> list[float]:
        buf = self.state.get(name)
        if buf is None:
            buf = self.state[name] = [fill] * len(self.params)
        return buf

    # --- saving and loading -----------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """A JSON-ready copy of the hyperparameters and state (not the parameters)."""
        group = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in self.param_groups[0].items()
            if k != "params"
        }
        return {
            "optimizer": type(self).__name__,
            "num_params": len(self.params),
            "step": self.step_count,
            "param_groups": [group],
            "state": {name: list(buf) for name, buf in self.state.items()},
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict`.

        Everything is checked before anything changes, so a failed load leaves
        the optimizer as it was. The parameters' values are not part of the
        state: restore the model's numbers yourself.
        """
        name = type(self).__name__
        n = len(self.params)
        missing = {"optimizer", "num_params", "step", "param_groups", "state"} - state_dict.keys()
        if missing:
            raise ValueError(f"not an optimizer state_dict: missing {sorted(missing)}")
        if state_dict["optimizer"] != name:
            raise ValueError(
                f"state_dict is from a {state_dict['optimizer']} optimizer; "
                f"cannot load it into {name}"
            )
        if state_dict["num_params"] != n:
            raise ValueError(
                f"state_dict has {state_dict['num_params']} parameters but this {name} has {n}; "
                "load it into an optimizer over the same parameters, in the same order"
            )
        groups = state_dict["param_groups"]
        if len(groups) != 1:
            raise ValueError(f"state_dict has {len(groups)} parameter groups; expected 1")
        saved = dict(groups[0])
        # 'initial_lr' is added by a scheduler, so it may or may not be present.
        ours = self.param_groups[0].keys() - {"params", "initial_lr"}
        theirs = saved.keys() - {"initial_lr"}
        if ours != theirs:
            raise ValueError(
                f"state_dict hyperparameters do not match {name}'s: "
                f"missing {sorted(ours - theirs)}, unexpected {sorted(theirs - ours)}"
            )
        buffers = dict(state_dict["state"])
        for key, values in buffers.items():
            if key not in self._buffer_names:
                raise ValueError(
                    f"state_dict has a buffer {key!r}, which {name} does not use "
                    f"(it uses {', '.join(self._buffer_names)})"
                )
            if len(values) != n:
                raise ValueError(
                    f"state_dict buffer {key!r} has {len(values)} values, one per parameter, "
                    f"but this {name} has {n} parameters"
                )
        if "betas" in saved:
            saved["betas"] = tuple(saved["betas"])  # JSON turned the tuple into a list
        group = self.param_groups[0]
        group.clear()
        group.update({"params": self.params, **saved})
        self.state = {key: [float(x) for x in values] for key, values in buffers.items()}
        self.step_count = int(state_dict["step"])

    def __repr__(self) -> str:
        n = len(self.params)
        hyper = ", ".join(
            f"{k}={v!r}"
            for k, v in self.param_groups[0].items()
            if k not in ("params", "initial_lr")
        )
        return f"{type(self).__name__}({n} parameter{'' if n == 1 else 's'}, {hyper})"


# --- optimizers -----------------------------------------------------------------


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    ``b = momentum * b + (1 - dampening) * g``, then ``p -= lr * b``; with
    ``nesterov`` the step is ``g + momentum * b`` instead of ``b``.
    """

    _buffer_names = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        hyper = {
            "lr": check_torch_nonnegative(lr, "learning rate"),
            "momentum": check_torch_nonnegative(momentum, "momentum value"),
            "dampening": check_real(dampening, "dampening"),
            "weight_decay": check_torch_nonnegative(weight_decay, "weight_decay value"),
            "nesterov": check_flag(nesterov, "nesterov"),
            "maximize": check_flag(maximize, "maximize"),
        }
        if hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, hyper)

    def _update(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        maximize = group["maximize"]
        # torch starts the buffer at the first gradient itself, undamped,
        # rather than at zero (which would make the first step (1 - dampening) too small).
        fresh = momentum != 0 and "momentum_buffer" not in self.state
        buf = self._buffer("momentum_buffer", 0.0) if momentum != 0 else []
        for i, p in enumerate(self.params):
            # maximize flips the gradient first, so weight decay still pulls toward 0.
            g = -p.grad if maximize else p.grad
            if weight_decay != 0:
                g += weight_decay * p.data  # L2 penalty (wd/2) p^2, added to the gradient
            if momentum != 0:
                b = g if fresh else momentum * buf[i] + (1 - dampening) * g
                buf[i] = b
                # Nesterov: look ahead along the updated velocity.
                g = g + momentum * b if nesterov else b
            p.data -= lr * g


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square.

    ``decoupled_weight_decay=True`` gives AdamW (see :class:`AdamW`).
    """

    _buffer_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        hyper = {
            "lr": check_torch_nonnegative(lr, "learning rate"),
            "betas": _betas(betas),
            "eps": check_torch_nonnegative(eps, "epsilon value"),
            "weight_decay": check_torch_nonnegative(weight_decay, "weight_decay value"),
            "amsgrad": check_flag(amsgrad, "amsgrad"),
            "maximize": check_flag(maximize, "maximize"),
            "decoupled_weight_decay": check_flag(decoupled_weight_decay, "decoupled_weight_decay"),
        }
        super().__init__(params, hyper)

    def _update(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        m = self._buffer("exp_avg", 0.0)
        v = self._buffer("exp_avg_sq", 0.0)
        v_max = self._buffer("max_exp_avg_sq", 0.0) if amsgrad else []
        t = self.step_count
        # Both averages start at 0, so early on they are biased toward 0;
        # dividing by 1 - beta^t undoes exactly that bias.
        bias1 = 1 - beta1**t
        bias2 = 1 - beta2**t
        for i, p in enumerate(self.params):
            g = -p.grad if maximize else p.grad
            if weight_decay != 0:
                if decoupled:
                    # AdamW: shrink the weight itself, outside the averages, so
                    # the decay is not rescaled by 1/sqrt(v) like the gradient is.
                    p.data *= 1 - lr * weight_decay
                else:
                    g += weight_decay * p.data  # Adam's L2: decay goes through the averages
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * (g * g)
            v_used = v[i]
            if amsgrad:
                # AMSGrad keeps the largest *raw* second moment seen so far, and
                # bias-corrects that (torch's rule; the max is not taken after
                # correction). `v != v` carries a NaN along as torch.maximum does.
                if v[i] > v_max[i] or v[i] != v[i]:
                    v_max[i] = v[i]
                v_used = v_max[i]
            m_hat = m[i] / bias1
            v_hat = v_used / bias2
            p.data -= lr * m_hat / (math.sqrt(v_hat) + eps)


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay`` each step.

    The same as ``Adam(..., decoupled_weight_decay=True)``, with torch's
    AdamW default ``weight_decay=1e-2``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of past gradients.

    ``centered`` subtracts the squared running mean (an estimate of the
    variance instead of the raw second moment); ``momentum`` accumulates
    the scaled steps.
    """

    _buffer_names = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        # torch only rejects alpha < 0; alpha > 1 would make the square
        # average negative and its square root undefined, so we reject it too.
        a = check_real(alpha, "alpha value")
        if not 0.0 <= a <= 1.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        hyper = {
            "lr": check_torch_nonnegative(lr, "learning rate"),
            "alpha": a,
            "eps": check_torch_nonnegative(eps, "epsilon value"),
            "weight_decay": check_torch_nonnegative(weight_decay, "weight_decay value"),
            "momentum": check_torch_nonnegative(momentum, "momentum value"),
            "centered": check_flag(centered, "centered"),
            "maximize": check_flag(maximize, "maximize"),
        }
        super().__init__(params, hyper)

    def _update(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        centered, maximize = group["centered"], group["maximize"]
        sq = self._buffer("square_avg", 0.0)
        mean = self._buffer("grad_avg", 0.0) if centered else []
        buf = self._buffer("momentum_buffer", 0.0) if momentum > 0 else []
        for i, p in enumerate(self.params):
            g = -p.grad if maximize else p.grad
            if weight_decay != 0:
                g += weight_decay * p.data
            sq[i] = alpha * sq[i] + (1 - alpha) * (g * g)
            if centered:
                mean[i] = alpha * mean[i] + (1 - alpha) * g
                # E[g^2] - E[g]^2 >= 0 in exact arithmetic, but rounding can
                # leave it a hair below 0 (torch would then produce NaN).
                rms = math.sqrt(max(sq[i] - mean[i] * mean[i], 0.0))
            else:
                rms = math.sqrt(sq[i])
            # eps is added after the square root (TensorFlow adds it inside).
            scaled = g / (rms + eps)
            if momentum > 0:
                buf[i] = momentum * buf[i] + scaled
                scaled = buf[i]
            p.data -= lr * scaled


class Adagrad(Optimizer):
    """Adagrad: divide by the root of the *sum* of all past squared gradients.

    ``lr_decay`` shrinks the learning rate as ``lr / (1 + (t - 1) * lr_decay)``.
    """

    _buffer_names = ("sum",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        hyper = {
            "lr": check_torch_nonnegative(lr, "learning rate"),
            "lr_decay": check_torch_nonnegative(lr_decay, "lr_decay value"),
            "weight_decay": check_torch_nonnegative(weight_decay, "weight_decay value"),
            "initial_accumulator_value": check_torch_nonnegative(
                initial_accumulator_value, "initial_accumulator_value value"
            ),
            "eps": check_torch_nonnegative(eps, "epsilon value"),
            "maximize": check_flag(maximize, "maximize"),
        }
        super().__init__(params, hyper)

    def _update(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        total = self._buffer("sum", group["initial_accumulator_value"])
        # (t - 1): the first step uses the full lr, decay starts at step 2.
        step_lr = lr / (1 + (self.step_count - 1) * lr_decay)
        for i, p in enumerate(self.params):
            g = -p.grad if maximize else p.grad
            if weight_decay != 0:
                g += weight_decay * p.data
            total[i] += g * g
            p.data -= step_lr * g / (math.sqrt(total[i]) + eps)
