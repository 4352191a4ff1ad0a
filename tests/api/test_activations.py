import math

import numpy as np

from tests.api.conftest import error_locs, make_client, messages

API_NAMES = {
    "identity", "tanh", "sigmoid", "relu", "leakyrelu", "hardtanh", "softplus",
    "elu", "gelu", "silu", "softsign", "hardsigmoid", "mish",
}  # fmt: skip


def test_list_has_every_contract_name_with_torch_names_and_defaults(client):
    response = client.get("/api/activations")
    assert response.status_code == 200
    entries = {entry["name"]: entry for entry in response.json()}
    assert API_NAMES <= set(entries)
    assert entries["leakyrelu"]["torch_name"] == "LeakyReLU"
    assert entries["leakyrelu"]["params"] == {"negative_slope": 0.01}
    assert entries["hardtanh"]["params"] == {"min_val": -1.0, "max_val": 1.0}
    assert entries["tanh"]["properties"]["range"] == [-1.0, 1.0]
    assert entries["relu"]["properties"]["slope_at_0"] == 0.0
    for entry in entries.values():
        assert {"name", "torch_name", "params", "formula", "properties"} <= set(entry)


def test_evaluate_tanh_and_its_derivative(client):
    x = [-2.2, 0.1, 2.5]
    response = client.post("/api/activations/evaluate", json={"name": "tanh", "x": x})
    assert response.status_code == 200
    body = response.json()
    assert np.allclose(body["y"], np.tanh(x), rtol=0, atol=1e-15)
    assert np.allclose(body["dy"], 1 - np.tanh(x) ** 2, rtol=0, atol=1e-15)
    assert [round(v, 5) for v in body["y"]] == [-0.97574, 0.09967, 0.98661]


def test_evaluate_with_parameters(client):
    response = client.post(
        "/api/activations/evaluate",
        json={"name": "leakyrelu", "params": {"negative_slope": 0.1}, "x": [-2.0, 0.0, 3.0]},
    )
    assert response.json() == {"y": [-0.2, 0.0, 3.0], "dy": [0.1, 0.1, 1.0]}


def test_unknown_activation_lists_the_known_ones(client):
    response = client.post("/api/activations/evaluate", json={"name": "swish2", "x": [0]})
    assert ["body", "name"] == error_locs(response)[0][:2]
    assert "tanh" in messages(response) and "leakyrelu" in messages(response)


def test_unknown_parameter_is_named(client):
    response = client.post(
        "/api/activations/evaluate", json={"name": "tanh", "params": {"slope": 2}, "x": [0]}
    )
    assert response.status_code == 422
    assert "slope" in messages(response)


def test_nan_and_infinity_are_a_422_not_a_500(client):
    for literal in ("NaN", "Infinity", "-Infinity"):
        response = client.post(
            "/api/activations/evaluate",
            content='{"name": "tanh", "x": [0, ' + literal + "]}",
            headers={"content-type": "application/json"},
        )
        assert error_locs(response) == [["body", "x", 1]], literal
        assert "nan" not in response.text.lower().replace("finite", "")


def test_point_limit_is_a_setting_and_named():
    with make_client(max_points=10) as client:
        response = client.post("/api/activations/evaluate", json={"name": "tanh", "x": [0] * 11})
        assert error_locs(response) == [["body", "x"]]
        assert "at most 10" in messages(response)
        assert (
            client.post(
                "/api/activations/evaluate", json={"name": "tanh", "x": [0] * 10}
            ).status_code
            == 200
        )


def test_neuron_curve_and_ranges(client):
    x = np.linspace(-3, 3, 61).tolist()
    response = client.post("/api/neuron", json={"activation": "tanh", "w": 2, "b": -1, "x": x})
    assert response.status_code == 200
    body = response.json()
    z = 2 * np.asarray(x) - 1
    assert np.allclose(body["z"], z)
    assert np.allclose(body["y"], np.tanh(z))
    assert np.allclose(body["dy_dx"], 2 * (1 - np.tanh(z) ** 2))
    ranges = body["ranges"]
    assert ranges["definition"]
    # With w=2, b=-1 the tanh neuron is sensitive around x = 0.5, saturated at both ends.
    assert any(lo < 0.5 < hi for lo, hi in ranges["sensitive"])
    assert any(lo <= -2.9 for lo, _ in ranges["saturated"])
    assert any(hi >= 2.9 for _, hi in ranges["saturated"])


def test_neuron_chapter_scores(client):
    response = client.post("/api/neuron", json={"activation": "tanh", "x": [-2.2, 0.1, 2.5]})
    for value, x in zip(response.json()["y"], [-2.2, 0.1, 2.5], strict=True):
        assert math.isclose(value, math.tanh(x), abs_tol=1e-15)
