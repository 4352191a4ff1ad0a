"""The exported script, fetched over HTTP, rebuilds the network the API computes with."""

import json
import subprocess
import sys

import numpy as np

from tests.api.conftest import error_locs

PROBE = """
import json, runpy, sys
import torch
model = runpy.run_path(sys.argv[1], run_name="exported")["model"]
x = torch.tensor(json.loads(sys.stdin.read()), dtype=torch.float64)
with torch.no_grad():
    print(json.dumps(model(x).tolist()))
"""


def test_export_runs_in_torch_and_matches_forward(client, tmp_path):
    network = {
        "layers": [
            {"in": 1, "out": 13, "activation": "tanh"},
            {"in": 13, "out": 4, "activation": "elu", "params": {"alpha": 0.5}},
            {"in": 4, "out": 1},
        ]
    }
    response = client.post("/api/export/pytorch", json={"network": network, "seed": 5})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/x-python")
    script = tmp_path / "model.py"
    script.write_text(response.text, encoding="utf-8")
    x = np.linspace(-3, 3, 31).reshape(-1, 1)
    exported = subprocess.run(
        [sys.executable, "-c", PROBE, str(script)],
        input=json.dumps(x.tolist()),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    forward = client.post(
        "/api/forward", json={"network": network, "x": x[:, 0].tolist(), "seed": 5}
    ).json()
    np.testing.assert_allclose(
        json.loads(exported.stdout), forward["output"], rtol=1e-12, atol=1e-12
    )


def test_export_validates_the_network(client):
    response = client.post("/api/export/pytorch", json={"network": {"layers": []}})
    assert error_locs(response) == [["body", "network", "layers"]]
