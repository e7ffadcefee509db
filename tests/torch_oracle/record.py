"""Record PyTorch's answers into the JSON files of :mod:`tests.torch_oracle`.

    python -m tests.torch_oracle.record           # rewrite every file
    python -m tests.torch_oracle.record --check   # exit 1 if any is stale

Needs torch (the test machines' pinned CPU build; see pyproject.toml).
Every tensor is a float64 CPU tensor and torch runs on one thread, so the
answers are repeatable. Nothing here imports chainrule except for names
of things to test (the rule table's op names, nn.init's nonlinearities).

It is one module, longer than most, on purpose: one recorder method per
section, side by side, so that every area is recorded the same way.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from typing import Any

from nn.init import NONLINEARITIES
from tests.oracle import ORACLE, Case, cases
from tests.strategies import Backend, Program, run
from tests.torch_oracle import SECTIONS, dumps, load, path, same
from tests.torch_oracle import cases as inputs

# Points where an op has a kink or a boundary: torch's convention there.
KINKS: list[tuple[str, Case]] = [
    ("relu", Case((0.0,))),
    ("relu", Case((-0.0,))),
    ("abs", Case((0.0,))),
    ("abs", Case((-0.0,))),
    ("leaky_relu", Case((0.0,), (0.2,))),
    ("leaky_relu", Case((0.0,), (0.01,))),
    ("sqrt", Case((0.0,))),
    ("pow", Case((0.0, 2.5))),
    ("pow", Case((0.0, 0.5))),
    ("pow", Case((0.0, 1.0))),
    ("pow", Case((0.0, 0.0))),
    ("pow", Case((-2.0, 2.0))),
    ("pow_const", Case((0.0,), (0.5,))),
    ("pow_const", Case((0.0,), (0,))),
    ("pow_const", Case((0.0,), (1,))),
    ("pow_const", Case((0.0,), (2,))),
    ("pow", Case((float("nan"), 0.0))),
    ("pow", Case((0.0, 1e-300))),
    ("pow", Case((0.0, -0.0))),
    ("pow_const", Case((0.0,), (1e-300,))),
    ("pow_const", Case((float("nan"),), (0,))),
]
SECOND_ORDER_SAMPLES = 8


def _import_torch() -> Any:
    import torch

    torch.set_num_threads(1)
    return torch


class _Recorder:
    def __init__(self, torch: Any) -> None:
        self.torch = torch

    def t64(self, xs: Any, requires_grad: bool = False) -> Any:
        torch = self.torch
        return torch.tensor(xs, dtype=torch.float64, requires_grad=requires_grad)

    def grads(self, out: Any, leaves: list[Any], create_graph: bool = False) -> list[Any]:
        torch = self.torch
        if not out.requires_grad:
            return [torch.zeros((), dtype=torch.float64) for _ in leaves]
        return list(
            torch.autograd.grad(
                out,
                leaves,
                create_graph=create_graph,
                retain_graph=True,
                allow_unused=True,
                materialize_grads=True,
            )
        )

    # --- rules ---------------------------------------------------------------------------

    def apply(self, name: str, case: Case) -> tuple[list[Any], Any]:
        leaves = [self.t64(x, requires_grad=True) for x in case.xs]
        return leaves, ORACLE[name].torch_call(self.torch, leaves, case.params)

    def rule_case(self, name: str, case: Case, second: bool) -> dict[str, Any]:
        leaves, out = self.apply(name, case)
        first = self.grads(out, leaves, create_graph=second)
        entry: dict[str, Any] = {
            "xs": list(case.xs),
            "params": list(case.params),
            "value": out.item(),
            "grads": [g.item() for g in first],
        }
        if second:
            smooth = list(case.fd_inputs())
            entry["smooth"] = smooth
            entry["second"] = [
                [h.item() for h in self.grads(first[i], [leaves[j] for j in smooth])]
                for i in smooth
            ]
        return entry

    def rules(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in sorted(ORACLE):
            fixed = len(ORACLE[name].fixed)
            all_cases = cases(name)
            entries = [
                self.rule_case(name, case, fixed <= k < fixed + SECOND_ORDER_SAMPLES)
                for k, case in enumerate(all_cases)
            ]
            last = all_cases[-1]
            nan_case = Case((float("nan"), *last.xs[1:]), last.params)
            _, nan_out = self.apply(name, nan_case)
            out[name] = {
                "cases": entries,
                "nan": {"xs": list(nan_case.xs), "params": list(nan_case.params)},
                "nan_value": nan_out.item(),
            }
        out["kinks"] = [self.rule_case(name, case, False) | {"rule": name} for name, case in KINKS]
        torch = self.torch
        a, b, c = (self.t64(x, requires_grad=True) for x in (1.5, -0.5, 2.0))
        shared = (torch.stack([a, b, a]) * torch.stack([b, c, c])).sum() + a
        shared.backward()
        out["dot_shared"] = {"value": shared.item(), "grads": [t.grad.item() for t in (a, b, c)]}
        x = self.t64(-3.0, requires_grad=True)
        y = torch.nn.functional.leaky_relu(x)
        y.backward()
        out["leaky_relu_default"] = {"x": -3.0, "value": y.item(), "grad": x.grad.item()}
        return out

    # --- random programs ----------------------------------------------------------------

    def backend(self) -> Backend:
        torch = self.torch
        return Backend(lambda op, xs, params: ORACLE[op].torch_call(torch, xs, params))

    def build(self, program: Program) -> tuple[list[Any], Any]:
        leaves = [self.t64(x, requires_grad=True) for x in program.inputs]
        return leaves, run(program, leaves, self.backend())

    def programs(self) -> dict[str, Any]:
        torch = self.torch
        first = []
        for program in inputs.programs("first"):
            leaves, out = self.build(program)
            grads = [g.item() for g in self.grads(out, leaves)]
            if inputs.finite([out.item(), *grads]):
                first.append(
                    inputs.program_to_json(program) | {"value": out.item(), "grads": grads}
                )
        higher = []
        for program in inputs.programs("higher"):
            leaves, out = self.build(program)
            t1 = self.grads(out, leaves, create_graph=True)
            t2 = self.grads(t1[0], leaves, create_graph=True)
            t3 = self.grads(t2[-1], leaves)
            ds = [[t.item() for t in ts] for ts in (t1, t2, t3)]
            if inputs.finite([out.item()]) and inputs.finite(ds[0] + ds[1] + ds[2], 1e6):
                higher.append(inputs.program_to_json(program) | {"derivatives": ds})
        hessians = []
        for program in inputs.programs("hessian"):
            _, out = self.build(program)
            backend = self.backend()

            def f(*xs: Any, program: Program = program, backend: Backend = backend) -> Any:
                return run(program, list(xs), backend)

            at = tuple(self.t64(x) for x in program.inputs)
            rows = [[float(h) for h in row] for row in torch.autograd.functional.hessian(f, at)]
            if inputs.finite([out.item()]) and inputs.finite([h for r in rows for h in r], 1e6):
                hessians.append(inputs.program_to_json(program) | {"hessian": rows})
        return {"first": first, "higher": higher, "hessian": hessians}

    # --- losses --------------------------------------------------------------------------

    def losses(self) -> dict[str, Any]:
        torch = self.torch
        F = torch.nn.functional

        def hinge(t: Any, y: Any, reduction: str) -> Any:
            margins = F.relu(1.0 - y * t)
            return margins.mean() if reduction == "mean" else margins.sum()

        functions = {
            "mse": lambda t, y, r: F.mse_loss(t, self.t64(y), reduction=r),
            "bce": lambda t, y, r: F.binary_cross_entropy(t, self.t64(y), reduction=r),
            "bce_with_logits": lambda t, y, r: F.binary_cross_entropy_with_logits(
                t, self.t64(y), reduction=r
            ),
            "bce_after_sigmoid": lambda t, y, r: F.binary_cross_entropy(
                torch.sigmoid(t), self.t64(y), reduction=r
            ),
            "hinge": lambda t, y, r: hinge(t, self.t64(y), r),
            "cross_entropy_one": lambda t, y, r: F.cross_entropy(t, torch.tensor(y)),
            "cross_entropy": lambda t, y, r: F.cross_entropy(t, torch.tensor(y), reduction=r),
            "l1": lambda t, y, r: t.abs().sum(),
            "l2": lambda t, y, r: (t * t).sum(),
        }
        out = []
        for case in inputs.loss_cases():
            t = self.t64(case["xs"], requires_grad=True)
            loss = functions[case["loss"]](t, case["ys"], case["reduction"])
            loss.backward()
            out.append(case | {"value": loss.item(), "grads": t.grad.flatten().tolist()})
        return {"cases": out}

    # --- optimizers and schedulers ------------------------------------------------------

    def optimizer_run(self, name: str, kw: dict[str, Any]) -> dict[str, Any]:
        torch = self.torch
        t = self.t64(inputs.initial_values(), requires_grad=True)
        opt = getattr(torch.optim, name)([t], **kw)
        trajectory: dict[str, list[float]] = {}
        for step, grads in enumerate(inputs.gradient_stream(), start=1):
            t.grad = self.t64(grads)
            opt.step()
            if step in inputs.RECORDED_STEPS:
                trajectory[str(step)] = t.detach().tolist()
        state = {
            key: (int(value.item()) if key == "step" else value.tolist())
            for key, value in opt.state[t].items()
        }
        return {"optimizer": name, "kw": kw, "trajectory": trajectory, "state": state}

    def optim(self) -> dict[str, Any]:
        torch = self.torch
        runs = [self.optimizer_run(name, kw) for name, kw in inputs.OPTIMIZER_CONFIGS]
        defaults = {}
        for name in inputs.OPTIMIZERS:
            group = getattr(torch.optim, name)([torch.zeros(1)]).param_groups[0]
            defaults[name] = {k: v for k, v in group.items() if k != "params"}
        # the lr and betas changed between steps
        t = self.t64(inputs.initial_values(), requires_grad=True)
        opt = torch.optim.Adam([t], lr=0.1, amsgrad=True)
        for step, grads in enumerate(inputs.gradient_stream(20)):
            if step == 5:
                opt.param_groups[0]["lr"] = 0.02
            if step == 10:
                opt.param_groups[0]["betas"] = (0.8, 0.99)
            t.grad = self.t64(grads)
            opt.step()
        changed = t.detach().tolist()
        schedulers = []
        for name, kw in inputs.SCHEDULER_CONFIGS:
            t = self.t64(inputs.initial_values(), requires_grad=True)
            opt = torch.optim.SGD([t], lr=0.1, momentum=0.9)
            sched = getattr(torch.optim.lr_scheduler, name)(opt, **inputs.scheduler_kwargs(kw))
            lrs = []
            for grads in inputs.gradient_stream(inputs.SCHEDULER_EPOCHS):
                t.grad = self.t64(grads)
                opt.step()
                sched.step()
                lrs.append(sched.get_last_lr()[0])
            schedulers.append(
                {
                    "scheduler": name,
                    "kw": kw,
                    "base_lrs": sched.base_lrs,
                    "lrs": lrs,
                    "final": t.detach().tolist(),
                }
            )
        refusals = []
        for name, kw in inputs.INVALID_ARGUMENTS:
            try:
                getattr(torch.optim, name)([torch.zeros(1)], **kw)
            except ValueError as exc:
                refusals.append({"optimizer": name, "kw": kw, "message": str(exc)})
            else:
                raise AssertionError(f"torch accepted {name}({kw})")
        return {
            "runs": runs,
            "defaults": defaults,
            "lr_change": changed,
            "schedulers": schedulers,
            "refusals": refusals,
        }

    # --- gradient clipping ---------------------------------------------------------------

    def clip_case(self, grads: list[float], *args: Any, **kwargs: Any) -> tuple[float, list[float]]:
        torch = self.torch
        # One tensor per scalar parameter, as chainrule's parameters are scalars.
        params = [torch.zeros(1, dtype=torch.float64, requires_grad=True) for _ in grads]
        for p, g in zip(params, grads):
            p.grad = self.t64([g])
        total = torch.nn.utils.clip_grad_norm_(params, *args, **kwargs)
        return float(total), [float(p.grad[0]) for p in params]

    def clip(self) -> dict[str, Any]:
        cases = []
        for grads, max_norm, norm_type in inputs.CLIP_CASES:
            total, clipped = self.clip_case(grads, max_norm, norm_type)
            cases.append(
                {
                    "grads": grads,
                    "max_norm": max_norm,
                    "norm_type": norm_type,
                    "total": total,
                    "clipped": clipped,
                }
            )
        refusals = []
        for grads in inputs.CLIP_NONFINITE:
            try:
                self.clip_case(grads, 1.0, error_if_nonfinite=True)
            except RuntimeError as exc:
                refusals.append({"grads": grads, "message": str(exc)})
            else:
                raise AssertionError(f"torch clipped the non-finite gradients {grads}")
        return {"cases": cases, "nonfinite": refusals}

    # --- initialisation ------------------------------------------------------------------

    def init(self) -> dict[str, Any]:
        torch = self.torch
        spreads = []
        for name, kw in inputs.INIT_SCHEMES:
            torch.manual_seed(0)
            w = getattr(torch.nn.init, name)(
                torch.empty(*inputs.INIT_SHAPE, dtype=torch.float64), **kw
            ).flatten()
            spreads.append(
                {
                    "scheme": name,
                    "kw": kw,
                    "max_abs": w.abs().max().item(),
                    "variance": w.var(unbiased=False).item(),
                }
            )
        gains = {name: torch.nn.init.calculate_gain(name) for name in NONLINEARITIES}
        leaky = [
            [slope, torch.nn.init.calculate_gain("leaky_relu", slope)]
            for slope in inputs.LEAKY_SLOPES
        ]
        fans = [
            [out, inp, list(torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(out, inp)))]
            for out, inp in inputs.FAN_SHAPES
        ]
        return {"spreads": spreads, "gains": gains, "leaky_relu_gains": leaky, "fans": fans}

    # --- MLPs ----------------------------------------------------------------------------

    def mlp_case(self, activation: str, nin: int, nouts: tuple[int, ...]) -> dict[str, Any]:
        torch = self.torch
        rng = random.Random(f"chainrule-mlp-{activation}-{nin}-{nouts}")
        acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
        layers: list[list[list[float]]] = []  # per layer, per neuron: weights then bias
        modules = []
        sizes = [nin, *nouts]
        for k, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            neurons = [
                [rng.uniform(-1, 1) for _ in range(fan_in)] + [rng.uniform(-0.5, 0.5)]
                for _ in range(fan_out)
            ]
            layers.append(neurons)
            linear = torch.nn.Linear(fan_in, fan_out, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(self.t64([n[:-1] for n in neurons]))
                linear.bias.copy_(self.t64([n[-1] for n in neurons]))
            modules.append(linear)
            if k != len(nouts) - 1 and activation != "linear":
                modules.append(acts[activation]())
        model = torch.nn.Sequential(*modules)
        xs, targets = inputs.mlp_batch(nin, nouts[-1])
        tx = self.t64(xs, requires_grad=True)
        outputs = model(tx)
        loss = ((outputs - self.t64(targets)) ** 2).sum() / len(xs)
        loss.backward()
        grads = []
        for linear in (m for m in modules if isinstance(m, torch.nn.Linear)):
            for row, bias in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist()):
                grads.append([*row, bias])
        return {
            "activation": activation,
            "nin": nin,
            "nouts": list(nouts),
            "layers": layers,
            "xs": xs,
            "targets": targets,
            "outputs": outputs.tolist(),
            "loss": loss.item(),
            "param_grads": grads,
            "input_grads": tx.grad.tolist(),
        }

    def nn(self) -> dict[str, Any]:
        return {
            "mlps": [
                self.mlp_case(activation, nin, nouts)
                for activation in inputs.MLP_ACTIVATIONS
                for nin, nouts in inputs.MLP_SHAPES
            ]
        }

    # --- higher orders where a derivative is infinite -------------------------------------

    def higher_order(self) -> dict[str, Any]:
        orders = []
        for name, f, point in inputs.HIGHER_ORDER_CASES:
            x = self.t64(point, requires_grad=True)
            d = f(x)
            found = [d.item()]
            for _ in range(inputs.HIGHER_ORDERS):
                (d,) = self.grads(d, [x], create_graph=True)
                found.append(d.item())
            orders.append({"name": name, "point": point, "derivatives": found})
        x, k = (self.t64(v, requires_grad=True) for v in inputs.VALUE_EXPONENT_POINT)
        first = self.grads(x**k, [x, k], create_graph=True)
        value_exponent = {
            "point": list(inputs.VALUE_EXPONENT_POINT),
            "first": [g.item() for g in first],
            "second": [g.item() for g in self.grads(first[0], [x, k])],
        }
        zero_base = []
        for point in inputs.ZERO_BASE_POINTS:
            x = self.t64(point, requires_grad=True)
            (g,) = self.grads(0.0**x, [x])
            zero_base.append({"point": point, "first": g.item()})
        a, b = (self.t64(v, requires_grad=True) for v in inputs.NAN_BASE_POINT)
        nan_base = {
            "point": list(inputs.NAN_BASE_POINT),
            "grads": [g.item() for g in self.grads(a**b, [a, b])],
        }
        return {
            "orders": orders,
            "value_exponent": value_exponent,
            "zero_base": zero_base,
            "nan_base": nan_base,
        }


def record(section: str, torch: Any | None = None) -> Any:
    """torch's answers for one area, as the JSON file holds them."""
    recorder = _Recorder(torch if torch is not None else _import_torch())
    data = getattr(recorder, section)()
    # Through JSON and back: tuples become lists, as in the file.
    return json.loads(dumps(data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=", ".join(SECTIONS))
    args = parser.parse_args(argv)
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    torch = _import_torch()
    stale = []
    for section in args.sections or SECTIONS:
        data = record(section, torch)
        if args.check:
            if not path(section).exists() or not same(load(section), data):
                stale.append(section)
            continue
        path(section).write_text(dumps(data), encoding="utf-8")
        print(f"wrote {path(section).name} ({path(section).stat().st_size:,} bytes)")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python -m tests.torch_oracle.record")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
