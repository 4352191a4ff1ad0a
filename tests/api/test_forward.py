import numpy as np

from tests.api.conftest import error_locs, make_client, messages

NETWORK = {
    "layers": [
        {"in": 1, "out": 2, "activation": "tanh", "weight": [[-2.0], [1.0]], "bias": [-1.25, 0.75]},
        {"in": 2, "out": 1, "activation": "identity", "weight": [[1.0, 1.0]], "bias": [0.0]},
    ]
}


def test_forward_keeps_every_layer(client):
    x = np.linspace(-3, 3, 7)
    response = client.post("/api/forward", json={"network": NETWORK, "x": x.tolist()})
    assert response.status_code == 200
    body = response.json()
    hidden_pre = np.stack([-2 * x - 1.25, x + 0.75], axis=1)
    hidden = np.tanh(hidden_pre)
    assert np.allclose(body["layers"][0]["pre_activation"], hidden_pre, atol=1e-15)
    assert np.allclose(body["layers"][0]["activation"], hidden, atol=1e-15)
    assert np.allclose(body["output"], hidden.sum(axis=1, keepdims=True), atol=1e-15)
    assert body["layers"][1]["activation"] == body["output"]


def test_missing_weights_are_filled_like_torch_linear_from_the_seed(client):
    network = {"layers": [{"in": 4, "out": 3, "activation": "relu"}]}
    first = client.post("/api/forward", json={"network": network, "x": [[1, 2, 3, 4]], "seed": 7})
    again = client.post("/api/forward", json={"network": network, "x": [[1, 2, 3, 4]], "seed": 7})
    other = client.post("/api/forward", json={"network": network, "x": [[1, 2, 3, 4]], "seed": 8})
    layer = first.json()["network"]["layers"][0]
    weight, bias = np.asarray(layer["weight"]), np.asarray(layer["bias"])
    assert weight.shape == (3, 4) and bias.shape == (3,)
    assert np.all(np.abs(weight) <= 0.5) and np.all(np.abs(bias) <= 0.5)  # 1/sqrt(4)
    assert first.json() == again.json()
    assert first.json() != other.json()


def test_shape_mismatch_names_the_layer(client):
    network = {"layers": [{"in": 1, "out": 3}, {"in": 2, "out": 1}]}
    response = client.post("/api/forward", json={"network": network, "x": [0.0]})
    assert response.status_code == 422
    assert "layers[1].in" in messages(response)


def test_weight_of_the_wrong_shape(client):
    network = {"layers": [{"in": 2, "out": 1, "weight": [[1.0]], "bias": [0.0]}]}
    response = client.post("/api/forward", json={"network": network, "x": [[0.0, 1.0]]})
    assert error_locs(response)[0][:4] == ["body", "network", "layers", 0]
    assert "(1, 2)" in messages(response)


def test_x_width_must_match_the_first_layer(client):
    response = client.post("/api/forward", json={"network": NETWORK, "x": [[1.0, 2.0]]})
    assert error_locs(response) == [["body", "x"]]


def test_ragged_rows(client):
    network = {"layers": [{"in": 2, "out": 1}]}
    response = client.post("/api/forward", json={"network": network, "x": [[1.0, 2.0], [1.0]]})
    assert error_locs(response) == [["body", "x"]]


def test_layer_and_unit_limits_are_settings():
    with make_client(max_layers=2, max_units=4) as client:
        deep = {"layers": [{"in": 1, "out": 1}] * 3}
        response = client.post("/api/forward", json={"network": deep, "x": [0.0]})
        assert error_locs(response) == [["body", "network", "layers"]]
        assert "at most 2 layers" in messages(response)
        wide = {"layers": [{"in": 1, "out": 5}]}
        response = client.post("/api/forward", json={"network": wide, "x": [0.0]})
        assert error_locs(response) == [["body", "network", "layers", 0, "out"]]


def test_unknown_field_is_refused(client):
    network = {"layers": [{"in": 1, "out": 1, "activaton": "tanh"}]}
    response = client.post("/api/forward", json={"network": network, "x": [0.0]})
    assert error_locs(response)[0][-1] == "activaton"


def test_huge_weights_do_not_break_the_answer(client):
    network = {
        "layers": [{"in": 1, "out": 1, "activation": "identity", "weight": [[1e12]], "bias": [0]}]
    }
    response = client.post("/api/forward", json={"network": network, "x": [1e12]})
    assert response.status_code == 200
    assert response.json()["output"] == [[1e24]]
