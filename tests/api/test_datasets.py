import numpy as np

from tests.api.conftest import error_locs, make_client, messages

T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


def test_list_names_kinds_and_descriptions(client):
    presets = {entry["name"]: entry for entry in client.get("/api/datasets").json()}
    assert presets["thermometer"]["kind"] == "regression"
    assert {"circle", "xor", "gaussian", "spiral"} <= {
        name for name, entry in presets.items() if entry["kind"] == "classification"
    }
    assert {"sine", "step", "abs", "square", "sawtooth"} <= set(presets)
    assert all(entry["description"] for entry in presets.values())


def test_thermometer_is_the_books_readings(client):
    body = client.get("/api/datasets/thermometer").json()
    assert body == {"x": [[v] for v in T_U], "y": [[v] for v in T_C]}


def test_presets_take_n_noise_and_seed(client):
    first = client.get("/api/datasets/circle", params={"n": 50, "noise": 0.1, "seed": 3}).json()
    again = client.get("/api/datasets/circle", params={"n": 50, "noise": 0.1, "seed": 3}).json()
    assert first == again
    assert np.asarray(first["x"]).shape == (50, 2)


def test_unknown_dataset_lists_the_presets(client):
    response = client.get("/api/datasets/mnist")
    assert error_locs(response) == [["path", "name"]]
    assert "thermometer" in messages(response)


def test_row_limit_is_a_setting():
    with make_client(max_rows=20) as client:
        response = client.get("/api/datasets/sine", params={"n": 21})
        assert error_locs(response) == [["query", "n"]]


def test_csv_is_parsed(client):
    text = "t_u,t_c\n35.7,0.5\n55.9,14.0\n"
    response = client.post("/api/datasets/csv", content=text, headers={"content-type": "text/csv"})
    assert response.status_code == 200
    assert response.json() == {"x": [[35.7], [55.9]], "y": [[0.5], [14.0]]}


def test_hostile_csv_is_refused_not_evaluated(client):
    for text in ("x,y\n__import__('os'),1\n", "1,nan\n2,3\n", "1,2\n3\n", "\xff\xfe"):
        response = client.post(
            "/api/datasets/csv",
            content=text.encode("latin-1"),
            headers={"content-type": "text/csv"},
        )
        assert response.status_code == 422, text
