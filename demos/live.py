"""Watch a network learn two spirals: a live view, written as an HTML training film.

    python -m demos.live                  # 120 epochs, about 6 s; writes demo-output/live_film.html
    python -m demos.live --quick          # 15 epochs
    python -m demos.live --out films --seed 3

An MLP 2-16-16-2 (ReLU, Kaiming initialisation) learns two interleaved
spiral arms with cross-entropy and Adam (lr 0.02), a fifth of the points
held out for validation. ``nn.LiveView`` records every epoch; open the film
in a browser and drag the slider, press play or use the arrow keys.

What to watch for:

* **The boundary bending.** Frame 0 is the untrained model: a few straight
  creases. Over the first twenty epochs the map folds around the inner turns
  of the spirals, then slowly follows the outer arms; the validation points
  (ringed) show where it still cuts corners.
* **Units dying.** Each thumbnail is one hidden ReLU over the input plane.
  A unit whose thumbnail goes blank never fires anywhere on the data: it is
  dead, passes no gradient and will not recover. The "dead ReLU share"
  panel counts them per layer; a few percent is normal, a rising share
  says the learning rate is too high.
* **The update ratio settling.** The "log10 update / data" panel starts
  high (Adam's first steps move the weights by a few percent) and settles
  near -3 to -4, the range Karpathy recommends watching for: much lower and
  the layer has stopped learning, much higher and it is thrashing.
* **One point's graph.** Click a point: the graph below shows that
  sample's loss collapsed to one box per layer, coloured by |grad|. A point
  far on the right side of the boundary has a tiny gradient (it has little
  left to teach); a misclassified one lights the graph up.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import nn
from nn import MLP, LiveView, fit
from nn.data import make_spiral, train_test_split
from nn.optim import Adam


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train on two spirals and write a training film.")
    parser.add_argument("--epochs", type=int, default=120, help="epochs (default 120)")
    parser.add_argument("--quick", action="store_true", help="15 epochs, for a smoke test")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    args = parser.parse_args(argv)
    epochs = 15 if args.quick else args.epochs
    X, y = make_spiral(240, noise=0.04, seed=args.seed, classes=2)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, seed=args.seed)
    random.seed(args.seed)
    model = MLP(2, [16, 16, 2], init="kaiming_uniform")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "live_film.html"
    view = LiveView(path, title="Two spirals: an MLP 2-16-16-2 learning")
    history = fit(
        model,
        X_train,
        y_train,
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.02),
        epochs=epochs,
        batch_size=32,
        seed=args.seed,
        validation=(X_val, y_val),
        callbacks=[view, nn.GradientHealth()],
        verbose=not args.quiet,
    )
    accuracy = history.history["accuracy"][-1]
    val_accuracy = history.history["val_accuracy"][-1]
    print(
        f"{len(history.epoch)} epochs: training accuracy {accuracy:.0%}, "
        f"validation accuracy {val_accuracy:.0%}"
    )
    print(f"training film: {path} (open it in a browser)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
