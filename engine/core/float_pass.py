"""The fast backward pass, generated from the derivative table. Do not edit.

Regenerate with ``python -m engine.core.generate`` after changing
:mod:`engine.core.rules`; a test fails while this file differs from what
the table generates.

``float_pass(order, skip_zero)`` runs the chain rule over ``order`` (the
non-leaf nodes, parents first) from the last node back: for each node it
finds the node's rule (the ops an MLP uses are tested first) and adds each
parent's gradient formula, evaluated on floats, straight into the parent's
``.grad``. Each branch is the rule's formulas with the names filled in.
With ``skip_zero`` a sum or dot product whose gradient is zero, and whose
parents' data are finite, is skipped: it would add only zeros.

Measured on micrograd's demo step (100 moons points, MLP 2-16-16-1, hinge
loss plus L2), backward only, against a loop that calls each rule's
``vjp`` and adds what it returns: the loop takes 12.8 ms
per pass, this pass 4.0 ms: 3.2x faster (median of 15 per-round ratios; the pass
with its zero skip off, as the loop has none)
(``python benchmarks/bench_float_pass.py``).
"""

# ruff: noqa: E501
# mypy: ignore-errors

from operator import attrgetter

from engine.core.rules import RULES, INF, NAN, cos, ieee_div, ieee_pow, log, pow_da, pow_db, sigmoid, sign, sin

_data_of = attrgetter("data")
R_add = RULES['add']
R_sub = RULES['sub']
R_mul = RULES['mul']
R_div = RULES['div']
R_neg = RULES['neg']
R_pow = RULES['pow']
R_pow_const = RULES['pow_const']
R_exp = RULES['exp']
R_log = RULES['log']
R_sqrt = RULES['sqrt']
R_tanh = RULES['tanh']
R_sigmoid = RULES['sigmoid']
R_relu = RULES['relu']
R_leaky_relu = RULES['leaky_relu']
R_softplus = RULES['softplus']
R_abs = RULES['abs']
R_sin = RULES['sin']
R_cos = RULES['cos']
R_sum = RULES['sum']
R_dot = RULES['dot']


def float_pass(order, skip_zero=True, R_add=R_add, R_mul=R_mul, R_dot=R_dot, R_relu=R_relu, R_tanh=R_tanh, R_sigmoid=R_sigmoid, R_sum=R_sum, R_sub=R_sub, R_neg=R_neg, R_div=R_div, R_pow=R_pow, R_pow_const=R_pow_const, R_exp=R_exp, R_log=R_log, R_sqrt=R_sqrt, R_leaky_relu=R_leaky_relu, R_softplus=R_softplus, R_abs=R_abs, R_sin=R_sin, R_cos=R_cos):  # noqa: PLR0912, PLR0915, C901
    for node in reversed(order):
        rule = node._rule
        parents = node._prev
        g = node.grad
        if rule is R_add:  # add
            p_a, p_b = parents
            p_a.grad += g
            p_b.grad += g
        elif rule is R_mul:  # mul
            p_a, p_b = parents
            a = p_a.data
            b = p_b.data
            p_a.grad += g * b
            p_b.grad += g * a
        elif rule is R_dot:  # dot
            if g == 0.0 and skip_zero:
                total = sum(map(_data_of, parents))  # inf or nan if any of them is
                if total - total == 0.0:
                    continue
            n = len(parents) // 2
            for pw, px in zip(parents[:n], parents[n : 2 * n]):
                w = pw.data
                x = px.data
                pw.grad += g * x
                px.grad += g * w
            if len(parents) % 2:
                parents[-1].grad += g
        elif rule is R_relu:  # relu
            p_x, = parents
            x = p_x.data
            p_x.grad += 0.0 if x <= 0 else g
        elif rule is R_tanh:  # tanh
            out = node.data
            p_x, = parents
            p_x.grad += g * (1.0 - out * out)
        elif rule is R_sigmoid:  # sigmoid
            out = node.data
            p_x, = parents
            p_x.grad += g * out * (1.0 - out)
        elif rule is R_sum:  # sum
            if g == 0.0 and skip_zero:
                continue
            for p in parents:
                p.grad += g
        elif rule is R_sub:  # sub
            p_a, p_b = parents
            p_a.grad += g
            p_b.grad += -g
        elif rule is R_neg:  # neg
            p_x, = parents
            p_x.grad += -g
        elif rule is R_div:  # div
            out = node.data
            p_a, p_b = parents
            b = p_b.data
            p_a.grad += g / b
            p_b.grad += -g * out / b
        elif rule is R_pow:  # pow
            out = node.data
            p_a, p_b = parents
            a = p_a.data
            b = p_b.data
            p_a.grad += pow_da(g, a, b)
            p_b.grad += pow_db(g, out, a, b)
        elif rule is R_pow_const:  # pow_const
            k = node._ctx[0]
            p_x, = parents
            x = p_x.data
            p_x.grad += g * 0.0 if k == 0 else g * k * ieee_pow(x, k - 1)
        elif rule is R_exp:  # exp
            out = node.data
            p_x, = parents
            p_x.grad += g * out
        elif rule is R_log:  # log
            p_x, = parents
            x = p_x.data
            p_x.grad += g / x
        elif rule is R_sqrt:  # sqrt
            out = node.data
            p_x, = parents
            p_x.grad += ieee_div(g, 2.0 * out)
        elif rule is R_leaky_relu:  # leaky_relu
            slope = node._ctx[0]
            p_x, = parents
            x = p_x.data
            p_x.grad += g if x > 0 else g * slope
        elif rule is R_softplus:  # softplus
            p_x, = parents
            x = p_x.data
            p_x.grad += g if x > 20.0 else g * sigmoid(x)
        elif rule is R_abs:  # abs
            p_x, = parents
            x = p_x.data
            p_x.grad += g * sign(x)
        elif rule is R_sin:  # sin
            p_x, = parents
            x = p_x.data
            p_x.grad += g * cos(x)
        elif rule is R_cos:  # cos
            p_x, = parents
            x = p_x.data
            p_x.grad += -g * sin(x)
        else:  # a rule added to the table after this module was generated
            local = rule.vjp(g, node.data, *[p.data for p in parents], *node._ctx)
            for p, d in zip(parents, local):
                p.grad += d
