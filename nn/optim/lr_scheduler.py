"""Learning-rate schedulers that step like PyTorch's ``torch.optim.lr_scheduler``."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nn._checks import check_int, check_torch_nonnegative
from nn.optim.optimizers import Optimizer

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "StepLR"]


# --- learning-rate schedulers ---------------------------------------------------


class LRScheduler:
    """Base class: sets the optimizer's lr once per ``step()``, as torch's schedulers do.

    Creating a scheduler records ``initial_lr`` in the optimizer's group (the
    ``base_lrs``) and takes step 0, so ``last_epoch`` starts at 0. Like
    torch's, the step-wise schedulers are *recursive*: each new lr is computed
    from the optimizer's current lr, so a change you make to ``opt.lr`` carries on.

    ``load_state_dict`` restores the scheduler but not the optimizer's lr; load
    the optimizer's state too (after creating the scheduler, as in torch).
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [float(g["initial_lr"]) for g in optimizer.param_groups]
        self.last_epoch = -1
        self._step_count = 0
        self._last_lr: list[float] = []
        self._advance(initial=True)

    def step(self) -> None:
        """Move to the next epoch and set the optimizer's lr for it."""
        if self._step_count == 1 and self.optimizer.step_count == 0:
            warnings.warn(
                "scheduler.step() was called before optimizer.step(); call them in the "
                "other order (optimizer.step() first), or the first learning rate of the "
                "schedule is skipped",
                UserWarning,
                stacklevel=2,
            )
        self._advance(initial=False)

    def get_last_lr(self) -> list[float]:
        """The lr this scheduler last set, one per parameter group (torch's shape)."""
        return list(self._last_lr)

    def _advance(self, initial: bool) -> None:
        self._step_count += 1
        self.last_epoch += 1
        lrs = self._next_lrs(initial)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = lrs

    def _next_lrs(self, initial: bool) -> list[float]:
        raise NotImplementedError

    def _current_lrs(self) -> list[float]:
        return [float(g["lr"]) for g in self.optimizer.param_groups]

    def _settings(self) -> dict[str, Any]:
        """The constructor's arguments, for state_dict and repr."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {
            "scheduler": type(self).__name__,
            **self._settings(),
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            "last_lr": list(self._last_lr),
            "step_count": self._step_count,
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        name = type(self).__name__
        expected = self.state_dict().keys()
        if state_dict.get("scheduler") != name:
            raise ValueError(
                f"state_dict is from a {state_dict.get('scheduler')} scheduler; "
                f"cannot load it into {name}"
            )
        if state_dict.keys() != expected:
            raise ValueError(
                f"state_dict keys do not match {name}'s: "
                f"missing {sorted(expected - state_dict.keys())}, "
                f"unexpected {sorted(state_dict.keys() - expected)}"
            )
        if len(state_dict["base_lrs"]) != len(self.base_lrs):
            raise ValueError(
                f"state_dict has {len(state_dict['base_lrs'])} base_lrs; "
                f"expected {len(self.base_lrs)}"
            )
        for key in self._settings():
            setattr(self, key, state_dict[key])
        self.last_epoch = int(state_dict["last_epoch"])
        self.base_lrs = [float(x) for x in state_dict["base_lrs"]]
        self._last_lr = [float(x) for x in state_dict["last_lr"]]
        self._step_count = int(state_dict["step_count"])

    def __repr__(self) -> str:
        settings = "".join(f"{k}={v!r}, " for k, v in self._settings().items())
        lrs = ", ".join(f"{lr:.6g}" for lr in self._last_lr)
        return f"{type(self).__name__}({settings}last_epoch={self.last_epoch}, lr=[{lrs}])"


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_int(step_size, "step_size", who="StepLR")
        self.gamma = check_torch_nonnegative(gamma, "gamma")
        super().__init__(optimizer)

    def _next_lrs(self, initial: bool) -> list[float]:
        lrs = self._current_lrs()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]

    def _settings(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = check_torch_nonnegative(gamma, "gamma")
        super().__init__(optimizer)

    def _next_lrs(self, initial: bool) -> list[float]:
        lrs = self._current_lrs()
        return lrs if initial else [lr * self.gamma for lr in lrs]

    def _settings(self) -> dict[str, Any]:
        return {"gamma": self.gamma}


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from the base lr down to ``eta_min`` over ``T_max`` epochs.

    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``.
    After ``T_max`` the lr climbs back up the cosine (period ``2 * T_max``);
    as in torch it neither stops at ``eta_min`` nor restarts.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_int(T_max, "T_max", who="CosineAnnealingLR")
        self.eta_min = check_torch_nonnegative(eta_min, "eta_min")
        super().__init__(optimizer)

    def _next_lrs(self, initial: bool) -> list[float]:
        if initial:
            return self._current_lrs()
        e, period, low = self.last_epoch, self.T_max, self.eta_min
        lrs = []
        for base, lr in zip(self.base_lrs, self._current_lrs()):
            # torch's recursive form: scale the distance to eta_min by the ratio
            # of consecutive cosine values, so that changes to the lr carry on.
            if (e - 1 - period) % (2 * period) == 0:
                # Leaving the trough, where the ratio would divide by 1 + cos(pi) = 0,
                # torch adds the cosine's rise instead.
                lrs.append(lr + (base - low) * (1 - math.cos(math.pi / period)) / 2)
            else:
                ratio = (1 + math.cos(math.pi * e / period)) / (
                    1 + math.cos(math.pi * (e - 1) / period)
                )
                lrs.append(ratio * (lr - low) + low)
        return lrs

    def _settings(self) -> dict[str, Any]:
        return {"T_max": self.T_max, "eta_min": self.eta_min}


class LambdaLR(LRScheduler):
    """Set the lr to ``base_lr * lr_lambda(epoch)``.

    Note that this sets the lr to ``base_lr * lr_lambda(0)`` as soon as it
    is created. The function is not part of ``state_dict()``: recreate the
    scheduler with the same function, then load its state.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    ) -> None:
        groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 1
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"Expected {groups} lr_lambdas, but got {len(lr_lambda)}")
            fns = list(lr_lambda)
        else:
            fns = [lr_lambda] * groups
        for fn in fns:
            if not callable(fn):
                raise TypeError(
                    f"lr_lambda must be a function of the epoch, got {type(fn).__name__}"
                )
        self.lr_lambdas: list[Callable[[int], float]] = fns
        super().__init__(optimizer)

    def _next_lrs(self, initial: bool) -> list[float]:
        return [
            base * float(fn(self.last_epoch)) for base, fn in zip(self.base_lrs, self.lr_lambdas)
        ]

    def __repr__(self) -> str:
        names = ", ".join(getattr(fn, "__name__", repr(fn)) for fn in self.lr_lambdas)
        lrs = ", ".join(f"{lr:.6g}" for lr in self._last_lr)
        return f"LambdaLR(lr_lambda={names}, last_epoch={self.last_epoch}, lr=[{lrs}])"
