import json

import numpy as np
import pytest

from tests.api.conftest import error_locs, idle_closer, make_client, messages

LINE = {"layers": [{"in": 1, "out": 1, "activation": "identity", "weight": [[1.0]], "bias": [0.0]}]}
BOOK_NET = {"layers": [{"in": 1, "out": 13, "activation": "tanh"}, {"in": 13, "out": 1}]}


def book_line(**changes):
    request = {
        "network": LINE,
        "data": {"dataset": "thermometer"},
        "input_scale": 0.1,
        "optimizer": {"name": "sgd", "lr": 1e-2},
        "epochs": 5000,
        "record_every": 1,
    }
    request.update(changes)
    return request


def test_the_books_linear_fit(client):
    response = client.post("/api/train", json=book_line())
    assert response.status_code == 200
    body = response.json()
    assert body["stopped"] == "completed"
    layer = body["network"]["layers"][0]
    assert layer["weight"][0][0] == pytest.approx(5.3671, abs=1e-4)
    assert layer["bias"][0] == pytest.approx(-17.3012, abs=1e-4)
    history = body["history"]
    # record_every was raised so the history fits in 1000 entries; epoch 0 and the last are there.
    assert len(history) <= 1000
    assert history[0]["epoch"] == 0 and history[-1]["epoch"] == 5000
    assert history[0]["train_loss"] == pytest.approx(80.364342, rel=1e-6)  # the book's epoch 1
    assert history[-1]["train_loss"] == pytest.approx(2.927645, abs=1e-5)
    assert body["val_indices"] == [] and sorted(body["train_indices"]) == list(range(11))


def test_raw_readings_diverge_and_say_so(client):
    response = client.post("/api/train", json=book_line(input_scale=1.0, epochs=100))
    assert response.status_code == 200
    body = response.json()
    assert body["stopped"] == "diverged"
    assert body["history"][-1]["train_loss"] is None or body["history"][-1]["train_loss"] > 1e30
    weights = np.asarray(body["network"]["layers"][0]["weight"])
    assert np.isfinite(weights).all()


def test_validation_split(client):
    body = client.post("/api/train", json=book_line(epochs=10, val_fraction=0.2, seed=3)).json()
    assert len(body["val_indices"]) == 2 and len(body["train_indices"]) == 9
    assert set(body["val_indices"]).isdisjoint(body["train_indices"])
    assert all(entry["val_loss"] is not None for entry in body["history"])


def test_formula_data_and_adam(client):
    request = {
        "network": BOOK_NET,
        "data": {"formula": "sin(3*x) + 0.5*x**2", "x_min": -2, "x_max": 2, "n": 50},
        "optimizer": {"name": "adam", "lr": 0.01},
        "epochs": 200,
    }
    body = client.post("/api/train", json=request).json()
    assert body["stopped"] == "completed"
    assert body["history"][-1]["train_loss"] < body["history"][0]["train_loss"]


@pytest.mark.parametrize(
    "formula",
    ["__import__('os').system('true')", "x.real", "9**9**9**9", "(" * 600 + "x" + ")" * 600, "y"],
)
def test_hostile_formulas_are_a_422(client, formula):
    request = {"network": LINE, "data": {"formula": formula}, "epochs": 1}
    response = client.post("/api/train", json=request)
    assert error_locs(response)[0][:3] == ["body", "data", "formula"]


def test_limits_name_the_field():
    with make_client(max_epochs=100) as client:
        response = client.post("/api/train", json=book_line(epochs=101))
        assert error_locs(response) == [["body", "epochs"]]
        assert "at most 100 epochs" in messages(response)


def test_nesterov_without_momentum_is_refused_by_the_engine(client):
    response = client.post(
        "/api/train", json=book_line(epochs=1, optimizer={"name": "sgd", "nesterov": True})
    )
    assert response.status_code == 422
    assert "nesterov" in messages(response).lower()


def test_data_width_must_match_the_network(client):
    request = book_line(epochs=1, data={"dataset": "circle"})
    assert error_locs(client.post("/api/train", json=request)) == [["body", "data"]]


def test_stream_is_ndjson_ending_with_done(client):
    request = book_line(epochs=50, record_every=10, grid={"x_min": 20, "x_max": 90, "n": 5})
    with client.stream("POST", "/api/train/stream", json=request) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert [line["epoch"] for line in lines] == [0, 10, 20, 30, 40, 50]
    assert lines[-1]["done"] is True and lines[-1]["stopped"] == "completed"
    assert "network" in lines[-1]
    assert len(lines[0]["prediction"]["x"]) == 5
    for key in ("train_loss", "val_loss", "lr", "grad_norms", "saturated_fraction"):
        assert key in lines[0]


def test_stream_and_plain_answer_agree(client):
    request = book_line(epochs=30, record_every=1)
    plain = client.post("/api/train", json=request).json()
    with client.stream("POST", "/api/train/stream", json=request) as response:
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert [line["train_loss"] for line in lines] == [e["train_loss"] for e in plain["history"]]
    assert lines[-1]["network"] == plain["network"]


def test_session_limit_gives_503_with_retry_after():
    with make_client(max_sessions=1) as client:
        client.app.state.sessions.acquire(idle_closer)  # one session already runs
        response = client.post("/api/train", json=book_line(epochs=1))
        assert response.status_code == 503
        assert response.headers["retry-after"]
        assert "training sessions" in response.json()["detail"]
