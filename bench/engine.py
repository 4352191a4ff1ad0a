"""Training speed: the NumPy engine against a plain PyTorch loop, same process.

Both train the same network from the same starting weights on the same data with the
same optimiser, in float64 with one thread. The engine runs through ``Trainer`` (history
recording included); torch runs the idiomatic loop: zero_grad(set_to_none=True), forward,
loss, backward, step, and for mini-batches gets the engine's trick too (each epoch's
permuted rows gathered once, a batch is a slice). Prints steps per second (one optimiser
update = one step) and the ratio.

The machine may be busy: engine and torch repeats are interleaved, so both see the same
load, and each side's best repeat counts (noise only ever slows a run down).

    python -m bench.engine            # about a minute
    python -m bench.engine --quick    # a few seconds, for the smoke test
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from app.engine.activations import ACTIVATIONS
from app.engine.network import LayerSpec, Network
from app.engine.training import TrainConfig, Trainer

T_C = np.array([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0])
T_U = np.array([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4])
TORCH_OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


@dataclass
class Case:
    name: str
    sizes: list[int]
    x: np.ndarray  # already scaled
    y: np.ndarray
    optimizer: str
    hyper: dict[str, float]
    batch_size: int | None
    epochs: int  # per timed repeat
    goal: float  # engine steps/s over torch steps/s

    def network(self) -> Network:
        activations = ["tanh"] * (len(self.sizes) - 2) + ["identity"]
        specs = [
            LayerSpec(n_in, n_out, name)
            for n_in, n_out, name in zip(self.sizes[:-1], self.sizes[1:], activations, strict=True)
        ]
        return Network.from_specs(specs, seed=0)

    @property
    def steps_per_epoch(self) -> int:
        n = len(self.x)
        return 1 if self.batch_size is None else -(-n // self.batch_size)


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(0)
    thermometer = (0.1 * T_U[:, None], T_C[:, None])
    x_b = rng.uniform(-1, 1, size=(250, 2))
    y_b = np.sin(3 * x_b[:, :1]) * x_b[:, 1:]
    x_c = rng.uniform(-1, 1, size=(500, 2))
    y_c = np.cos(2 * x_c[:, :1] + x_c[:, 1:])
    scale = 10 if quick else 1
    return [
        Case("a  1-13-1 thermometer, full batch, SGD", [1, 13, 1], *thermometer, "sgd",
             {"lr": 1e-3}, None, 10_000 // scale, 20),
        Case("a' 1-13-1 thermometer, full batch, Adam", [1, 13, 1], *thermometer, "adam",
             {"lr": 1e-3}, None, 10_000 // scale, 20),
        Case("b  2-4-2-1, batch 10 of 250, SGD", [2, 4, 2, 1], x_b, y_b, "sgd",
             {"lr": 0.05}, 10, 400 // scale, 20),
        Case("c  2-8x6-1, full batch 500, SGD", [2, 8, 8, 8, 8, 8, 8, 1], x_c, y_c, "sgd",
             {"lr": 0.05}, None, 1_500 // scale, 3),
    ]  # fmt: skip


def time_engine(case: Case) -> float:
    config = TrainConfig(
        optimizer=case.optimizer,
        optimizer_params=case.hyper,
        epochs=case.epochs,
        batch_size=case.batch_size,
        # Like the torch loop, train without a whole-training-set loss every epoch: the
        # history then holds epoch 0 and the last (a mini-batch epoch otherwise pays for
        # one extra forward pass over all rows to record it).
        record_every=case.epochs,
    )
    trainer = Trainer(case.network(), case.x, case.y, config)
    start = time.perf_counter()
    trainer.run()
    return time.perf_counter() - start


def torch_model(network: Network) -> torch.nn.Sequential:
    modules: list[torch.nn.Module] = []
    for layer in network.layers:
        linear = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.weight.copy()))
            linear.bias.copy_(torch.from_numpy(layer.bias.copy()))
        modules.append(linear)
        if layer.activation != "identity":
            modules.append(getattr(torch.nn, ACTIVATIONS[layer.activation].torch_name)())
    return torch.nn.Sequential(*modules)


def time_torch(case: Case) -> float:
    model = torch_model(case.network())
    optimizer = TORCH_OPTIMIZERS[case.optimizer](model.parameters(), **case.hyper)
    loss_fn = torch.nn.MSELoss()
    x, y = torch.from_numpy(case.x), torch.from_numpy(case.y)
    n, batch_size = len(x), case.batch_size or len(x)
    start = time.perf_counter()
    for _ in range(case.epochs):
        if case.batch_size:
            order = torch.randperm(n)
            x_epoch, y_epoch = x[order], y[order]
        else:
            x_epoch, y_epoch = x, y
        for first in range(0, n, batch_size):
            x_batch = x_epoch[first : first + batch_size]
            y_batch = y_epoch[first : first + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start


def best_steps_per_second(case: Case, repeats: int) -> tuple[float, float]:
    """(engine, torch) steps/s: the best of ``repeats`` interleaved runs each."""
    timers: tuple[Callable[[Case], float], ...] = (time_engine, time_torch)
    for timer in timers:
        timer(case)  # warm-up
    best = [math.inf, math.inf]
    for _ in range(repeats):
        for k, timer in enumerate(timers):
            best[k] = min(best[k], timer(case))
    steps = case.epochs * case.steps_per_epoch
    return steps / best[0], steps / best[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, for the smoke test")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    repeats = 2 if args.quick else 7
    print(f"{'case':42} {'engine steps/s':>15} {'torch steps/s':>14} {'ratio':>7} {'goal':>5}")
    for case in cases(args.quick):
        engine, reference = best_steps_per_second(case, repeats)
        ratio = engine / reference
        print(f"{case.name:42} {engine:15,.0f} {reference:14,.0f} {ratio:6.1f}x {case.goal:4.0f}x")


if __name__ == "__main__":
    main()
