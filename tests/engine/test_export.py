"""The exported PyTorch script runs on its own and reproduces the engine's outputs."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from app.engine.export import to_pytorch_script
from app.engine.network import LayerSpec, Network

PROBE = """
import json, sys, runpy
namespace = runpy.run_path(sys.argv[1], run_name="exported")
import torch
x = torch.tensor(json.loads(sys.stdin.read()), dtype=torch.float64)
with torch.no_grad():
    print(json.dumps(namespace["model"](x).tolist()))
"""


def run_script(tmp_path, source: str, x: np.ndarray) -> np.ndarray:
    script = tmp_path / "exported.py"
    script.write_text(source, encoding="utf-8")
    # runs in a separate process: never exec generated code inside the app or the tests
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(script)],
        input=json.dumps(x.tolist()),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return np.array(json.loads(done.stdout))


def test_exported_script_reproduces_the_engines_outputs(tmp_path, rng):
    network = Network.from_specs(
        [
            LayerSpec(2, 5, "leakyrelu", {"negative_slope": 0.1}),
            LayerSpec(5, 4, "gelu", {"approximate": "tanh"}),
            LayerSpec(4, 3, "softplus", {"beta": 2.0}),
            LayerSpec(3, 3, "hardtanh", {"min_val": -0.5, "max_val": 0.5}),
            LayerSpec(3, 2, "tanh"),
            LayerSpec(2, 1),
        ],
        seed=11,
    )
    network.layers[0].weight[0, 0] = 0.1 + 0.2  # a float whose repr needs all 17 digits
    x = rng.normal(scale=2.0, size=(25, 2))
    exported = run_script(tmp_path, to_pytorch_script(network), x)
    np.testing.assert_allclose(exported, network.predict(x), rtol=1e-12, atol=1e-12)


def test_script_runs_standalone_from_a_network_dict(tmp_path):
    data = {"layers": [{"in": 1, "out": 13, "activation": "tanh"}, {"in": 13, "out": 1}]}
    source = to_pytorch_script(data)
    assert "import torch" in source and "app." not in source
    script = tmp_path / "model.py"
    script.write_text(source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    assert len(done.stdout.strip().splitlines()) == 5
    network = Network.from_dict(data)
    first_output = float(done.stdout.splitlines()[0].split("->")[1].strip(" []"))
    expected = network.predict(np.array([[-1.0]]))[0, 0]
    assert abs(first_output - expected) <= 1e-12 * max(1.0, abs(expected))
