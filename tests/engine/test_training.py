"""Whole training runs equal a plain torch loop; the book's fits; history and snapshots."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from app.engine.losses import get_loss
from app.engine.network import LayerSpec, Network
from app.engine.training import TrainConfig, Trainer, effective_record_every, split_rows
from tests.engine.conftest import T_C, T_U, torch_model, torch_parameters

TORCH_OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}
TORCH_LOSSES = {"mse": torch.nn.MSELoss(), "l1": torch.nn.L1Loss(), "huber": torch.nn.HuberLoss()}

SETTINGS = [
    ("sgd", {"lr": 0.05}),
    ("sgd", {"lr": 0.02, "momentum": 0.9}),
    ("sgd", {"lr": 0.02, "momentum": 0.9, "dampening": 0.5}),
    ("sgd", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.05, "weight_decay": 0.01}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "amsgrad": True}),
    ("adam", {"lr": 0.01, "weight_decay": 0.01}),
    ("rmsprop", {"lr": 0.005}),
    ("rmsprop", {"lr": 0.002, "momentum": 0.5, "centered": True}),
    ("adagrad", {"lr": 0.1}),
]


def sine_data(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, 1))
    return x, np.sin(2 * x) + 0.1 * rng.normal(size=(n, 1))


def torch_history(network, x, y, config, batches_per_epoch):
    """A plain idiomatic torch loop over the same rows in the same order."""
    model = torch_model(network)
    optimizer = TORCH_OPTIMIZERS[config.optimizer](model.parameters(), **config.optimizer_params)
    loss_fn = TORCH_LOSSES[config.loss]
    inputs = torch.from_numpy(x * config.input_scale)
    targets = torch.from_numpy(y)
    losses = []
    with torch.no_grad():
        losses.append(loss_fn(model(inputs), targets).item())
    for batches in batches_per_epoch:
        for rows in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs[rows]), targets[rows])
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            losses.append(loss_fn(model(inputs), targets).item())
    return losses, torch_parameters(model)


def run_epochs(trainer: Trainer) -> list[list[list[int]]]:
    batches = []
    while not trainer.done:
        trainer.run_epoch()
        if trainer.epoch > len(batches):
            batches.append(trainer.last_batches)
    return batches


@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize(("optimizer", "hyper"), SETTINGS)
def test_training_run_equals_torch(optimizer, hyper, batch_size):
    x, y = sine_data()
    specs = [LayerSpec(1, 6, "tanh"), LayerSpec(6, 4, "sigmoid"), LayerSpec(4, 1)]
    network = Network.from_specs(specs, seed=3)
    start = network.copy()
    config = TrainConfig(
        optimizer=optimizer, optimizer_params=hyper, epochs=30, batch_size=batch_size
    )
    trainer = Trainer(network, x, y, config)
    batches = run_epochs(trainer)
    assert trainer.stopped == "completed" and len(batches) == 30
    expected_losses, expected_params = torch_history(start, x, y, config, batches)
    assert [entry["epoch"] for entry in trainer.history] == list(range(31))
    np.testing.assert_allclose(
        [entry["train_loss"] for entry in trainer.history], expected_losses, rtol=1e-9
    )
    np.testing.assert_allclose(network.parameters, expected_params, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("loss", ["l1", "huber"])
def test_other_losses_train_like_torch(loss):
    x, y = sine_data(seed=1)
    network = Network.from_specs([LayerSpec(1, 5, "relu"), LayerSpec(5, 1)], seed=2)
    start = network.copy()
    config = TrainConfig(loss=loss, epochs=20, input_scale=0.5, optimizer_params={"lr": 0.1})
    trainer = Trainer(network, x, y, config)
    batches = run_epochs(trainer)
    expected_losses, expected_params = torch_history(start, x, y, config, batches)
    np.testing.assert_allclose(
        [e["train_loss"] for e in trainer.history], expected_losses, rtol=1e-9
    )
    np.testing.assert_allclose(network.parameters, expected_params, rtol=1e-9)


def book_line() -> Network:
    return Network.from_specs([LayerSpec(1, 1, weight=np.array([[1.0]]), bias=np.array([0.0]))])


def test_the_books_thermometer_line_fit():
    network = book_line()
    config = TrainConfig(epochs=5000, input_scale=0.1, optimizer_params={"lr": 1e-2})
    result = Trainer(network, T_U, T_C, config).result()
    assert result["stopped"] == "completed"
    np.testing.assert_allclose(network.parameters, [5.3671, -17.3012], atol=5e-5)
    # the book computes in float32: 2.927645; float64 gives 2.9276467
    last = result["history"][-1]
    assert last == {
        "epoch": 5000,
        "train_loss": pytest.approx(2.927645, abs=3e-6),
        "val_loss": None,
    }
    # the book prints "Epoch 1, Loss 80.364342" with the loss before epoch 1's update
    assert result["history"][0]["train_loss"] == pytest.approx(80.364342, abs=1e-5)
    assert len(result["history"]) <= 1000


def test_the_books_unscaled_fit_diverges_with_finite_weights():
    network = book_line()
    config = TrainConfig(epochs=5000, optimizer_params={"lr": 1e-2})
    trainer = Trainer(network, T_U, T_C, config)
    result = trainer.result()
    assert result["stopped"] == "diverged" and trainer.epoch < 100
    assert result["history"][0]["train_loss"] == pytest.approx(1763.884545, abs=1e-5)
    last = result["history"][-1]
    assert last["epoch"] == trainer.epoch
    assert last["train_loss"] is None or last["train_loss"] > 1e30
    assert np.all(np.isfinite(network.parameters))
    json.dumps(result, allow_nan=False)


def test_weights_that_overflow_are_rolled_back_to_the_last_finite_ones():
    # tiny weight on huge inputs: a finite first loss, then an update that overflows to inf
    network = Network.from_specs(
        [LayerSpec(1, 1, weight=np.array([[1e-150]]), bias=np.array([0.0]))]
    )
    x = np.full((3, 1), 1e150)
    y = np.full((3, 1), 3.0)
    trainer = Trainer(network, x, y, TrainConfig(epochs=10, optimizer_params={"lr": 1e200}))
    result = trainer.result()
    assert result["stopped"] == "diverged"
    assert result["history"][-1]["train_loss"] is None
    np.testing.assert_array_equal(network.parameters, [1e-150, 0.0])
    json.dumps(trainer.snapshot(), allow_nan=False)


@pytest.mark.parametrize("batch_size", [None, 3])
def test_history_conventions(batch_size):
    x, y = sine_data(n=10)
    network = Network.from_specs([LayerSpec(1, 3, "tanh"), LayerSpec(3, 1)])
    config = TrainConfig(epochs=10, record_every=3, batch_size=batch_size)
    trainer = Trainer(network, x, y, config)
    trainer.run()
    assert [e["epoch"] for e in trainer.history] == [0, 3, 6, 9, 10]
    # every entry is the loss of the whole training set with that epoch's weights
    replay = Trainer(Network.from_specs([LayerSpec(1, 3, "tanh"), LayerSpec(3, 1)]), x, y, config)
    loss = get_loss("mse")
    for entry in trainer.history:
        while replay.epoch < entry["epoch"]:
            replay.run_epoch()
        assert entry["train_loss"] == pytest.approx(
            loss.value(replay.network.predict(x), y), rel=1e-12
        )


def test_record_every_is_raised_to_fit_max_history():
    assert effective_record_every(100, 1, 11) == 10
    assert effective_record_every(5000, 1, 1000) == 6
    assert effective_record_every(10, 3, 1000) == 3
    x, y = sine_data(n=10)
    config = TrainConfig(epochs=100, max_history=11)
    trainer = Trainer(Network.from_specs([LayerSpec(1, 1)]), x, y, config)
    trainer.run()
    assert [e["epoch"] for e in trainer.history] == list(range(0, 101, 10))
    config = TrainConfig(epochs=99, max_history=11)
    trainer = Trainer(Network.from_specs([LayerSpec(1, 1)]), x, y, config)
    trainer.run()
    assert len(trainer.history) <= 11 and trainer.history[-1]["epoch"] == 99


def test_validation_split():
    train, val = split_rows(11, 0.25, seed=0)
    assert len(val) == 3 and len(train) == 8
    assert sorted(train.tolist() + val.tolist()) == list(range(11))
    permutation = np.random.default_rng(0).permutation(11)
    assert sorted(val.tolist()) == sorted(permutation[-3:].tolist())
    assert len(split_rows(11, 0.01, seed=0)[1]) == 1  # at least one when asked
    assert len(split_rows(11, 0.0, seed=0)[1]) == 0
    with pytest.raises(ValueError, match="no training row"):
        split_rows(1, 0.5, seed=0)
    with pytest.raises(ValueError, match="val_fraction"):
        split_rows(10, 1.0, seed=0)


def test_validation_loss_is_recorded_on_the_held_out_rows():
    network = book_line()
    config = TrainConfig(epochs=20, input_scale=0.1, val_fraction=0.2, seed=4)
    trainer = Trainer(network, T_U, T_C, config)
    result = trainer.result()
    val = result["val_indices"]
    assert len(val) == 2 and not set(val) & set(result["train_indices"])
    prediction = network.predict(0.1 * T_U[val][:, None])
    expected = float(np.mean((prediction[:, 0] - T_C[val]) ** 2))
    assert result["history"][-1]["val_loss"] == pytest.approx(expected, rel=1e-12)


def test_mini_batches_cover_the_training_rows_in_a_new_order_each_epoch():
    x, y = sine_data(n=23)
    config = TrainConfig(epochs=3, batch_size=5, val_fraction=0.2, seed=9)
    trainer = Trainer(Network.from_specs([LayerSpec(1, 1)]), x, y, config)
    trainer.run_epoch()
    first = trainer.last_batches
    assert [len(b) for b in first] == [5, 5, 5, 3]
    assert sorted(sum(first, [])) == trainer.train_indices
    trainer.run_epoch()
    assert trainer.last_batches != first
    again = Trainer(Network.from_specs([LayerSpec(1, 1)]), x, y, config)
    again.run_epoch()
    assert again.last_batches == first  # the seed decides


def test_snapshots_are_json_ready_and_carry_what_the_ui_draws():
    network = Network.from_specs(
        [LayerSpec(1, 4, "tanh"), LayerSpec(4, 2, "relu"), LayerSpec(2, 1)]
    )
    grid = np.linspace(20, 90, 7)[:, None]
    config = TrainConfig(
        epochs=12,
        record_every=5,
        input_scale=0.1,
        val_fraction=0.2,
        grid=grid,
        optimizer="adam",
        optimizer_params={"lr": 0.05},
    )
    trainer = Trainer(network, T_U, T_C, config)
    snapshots = list(trainer.snapshots())
    assert [s["epoch"] for s in snapshots] == [0, 5, 10, 12]
    for snapshot in snapshots:
        json.dumps(snapshot, allow_nan=False)
        assert snapshot["lr"] == 0.05
        assert len(snapshot["grad_norms"]) == 3
        assert len(snapshot["saturated_fraction"]) == 2
        assert all(0 <= f <= 1 for f in snapshot["saturated_fraction"])
        assert snapshot["prediction"]["x"] == grid[:, 0].tolist()
        assert len(snapshot["prediction"]["y"]) == 7
        assert [len(unit) for unit in snapshot["hidden"]] == [7] * 6  # 4 + 2 hidden units
    assert snapshots[0]["grad_norms"] == [0.0, 0.0, 0.0]
    last = snapshots[-1]
    assert last["done"] is True and last["stopped"] == "completed"
    assert last["network"] == network.to_dict()
    assert last["train_loss"] == trainer.history[-1]["train_loss"]
    np.testing.assert_allclose(last["prediction"]["y"], network.predict(0.1 * grid)[:, 0])
    hidden = network.forward(0.1 * grid).activations[0]
    np.testing.assert_allclose(last["hidden"][1], hidden[:, 1])
    assert "done" not in snapshots[0]


def test_grad_norms_and_saturation_follow_their_definitions():
    network = Network.from_specs(
        [
            LayerSpec(1, 2, "tanh", weight=np.array([[10.0], [0.01]]), bias=np.zeros(2)),
            LayerSpec(2, 1),
        ]
    )
    x = np.linspace(-1, 1, 10)
    trainer = Trainer(network, x, x**2, TrainConfig(epochs=1))
    trainer.run_epoch()
    snapshot = trainer.snapshot()
    # unit 0 (w = 10) saturates where |1 - tanh²| < 0.1 i.e. |z| > 1.82 ; unit 1 never does
    z = network.forward(x[:, None]).pre_activations[0]
    expected = float(np.mean(np.abs(1 - np.tanh(z) ** 2) < 0.1))
    assert snapshot["saturated_fraction"] == [pytest.approx(expected)]
    assert 0.2 < expected < 0.5
    assert len(snapshot["grad_norms"]) == 2 and all(g > 0 for g in snapshot["grad_norms"])


def test_set_lr_and_stop():
    x, y = sine_data(n=10)
    trainer = Trainer(Network.from_specs([LayerSpec(1, 1)]), x, y, TrainConfig(epochs=50))
    trainer.run_epoch()
    trainer.set_lr(0.5)
    assert trainer.snapshot()["lr"] == 0.5
    with pytest.raises(ValueError, match="lr"):
        trainer.set_lr(float("inf"))
    trainer.stop()
    assert trainer.done and trainer.stopped == "stopped"
    assert trainer.history[-1]["epoch"] == 1
    final = trainer.snapshot()
    assert final["done"] is True and final["stopped"] == "stopped"


def test_zero_epochs_and_bad_inputs():
    x, y = sine_data(n=5)
    trainer = Trainer(Network.from_specs([LayerSpec(1, 1)]), x, y, TrainConfig(epochs=0))
    assert trainer.done and [e["epoch"] for e in trainer.result()["history"]] == [0]
    with pytest.raises(ValueError, match="x must have shape"):
        Trainer(Network.from_specs([LayerSpec(2, 1)]), x, y, TrainConfig())
    with pytest.raises(ValueError, match="y must have shape"):
        Trainer(Network.from_specs([LayerSpec(1, 1)]), x, np.zeros((4, 1)), TrainConfig())
    with pytest.raises(ValueError, match="finite"):
        Trainer(Network.from_specs([LayerSpec(1, 1)]), x * np.nan, y, TrainConfig())
    with pytest.raises(ValueError, match="unknown optimizer"):
        Trainer(Network.from_specs([LayerSpec(1, 1)]), x, y, TrainConfig(optimizer="x"))
    with pytest.raises(ValueError, match="unknown loss"):
        Trainer(Network.from_specs([LayerSpec(1, 1)]), x, y, TrainConfig(loss="x"))


def test_run_for_and_run_epochs_slice_the_run():
    x, y = sine_data(n=10)
    trainer = Trainer(Network.from_specs([LayerSpec(1, 1)]), x, y, TrainConfig(epochs=50))
    assert trainer.run_epochs(7) == 7 and trainer.epoch == 7
    assert trainer.run_for(0.0) == 1 and trainer.epoch == 8  # at least one epoch
    while not trainer.done:
        trainer.run_for(0.001)
    assert trainer.epoch == 50 and trainer.run_epochs(3) == 0


def test_the_benchmark_runs_and_prints_ratios():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "bench.engine", "--quick"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows = [line for line in done.stdout.splitlines() if line.rstrip().endswith("x")]
    assert done.stdout.startswith("case") and len(rows) == 4  # a header and four cases
    for row in rows:
        ratio = row.split()[-2]
        assert ratio.endswith("x") and float(ratio[:-1]) > 0
