import pytest
from starlette.websockets import WebSocketDisconnect

from tests.api.conftest import idle_closer, make_client
from tests.api.test_train import BOOK_NET, book_line


def receive_until_done(socket, limit=10_000):
    messages = []
    for _ in range(limit):
        message = socket.receive_json()
        messages.append(message)
        if message.get("done"):
            return messages
    raise AssertionError("no final snapshot")


def test_a_whole_run(client):
    with client.websocket_connect("/ws/train") as socket:
        socket.send_json(book_line(epochs=2000))
        messages = receive_until_done(socket)
    first, last = messages[0], messages[-1]
    assert first["epoch"] == 0
    assert last["epoch"] == 2000 and last["stopped"] == "completed"
    assert last["network"]["layers"][0]["weight"][0][0] > 1.0
    epochs = [m["epoch"] for m in messages]
    assert epochs == sorted(epochs)


def test_pause_step_set_and_stop(client):
    request = book_line(epochs=100_000)
    request["network"] = BOOK_NET
    request["grid"] = {"x_min": 20, "x_max": 90, "n": 10}
    with client.websocket_connect("/ws/train") as socket:
        socket.send_json(request)
        assert socket.receive_json()["epoch"] == 0
        socket.send_json({"action": "pause"})
        # Snapshots sent before the pause may still be in flight: the reply to "set" marks the end.
        socket.send_json({"action": "set", "lr": 0.005})
        reply = socket.receive_json()
        while "train_loss" in reply:
            reply = socket.receive_json()
        assert reply["lr"] == 0.005
        socket.send_json({"action": "step"})
        stepped = socket.receive_json()
        socket.send_json({"action": "step"})
        after = socket.receive_json()
        assert after["epoch"] == stepped["epoch"] + 1
        assert after["lr"] == 0.005
        assert len(after["hidden"]) == 13 and len(after["prediction"]["y"]) == 10
        socket.send_json({"action": "resume"})
        socket.send_json({"action": "stop"})
        last = receive_until_done(socket)[-1]
        assert last["stopped"] == "stopped" and last["epoch"] < 100_000


def test_a_bad_control_message_is_answered_and_the_session_goes_on(client):
    with client.websocket_connect("/ws/train") as socket:
        socket.send_json(book_line(epochs=100_000))
        socket.receive_json()
        socket.send_json({"action": "pause"})
        socket.send_json({"action": "fly"})
        reply = socket.receive_json()
        while "error" not in reply:
            reply = socket.receive_json()
        assert "action" in reply["error"]
        socket.send_text("not json")
        assert "error" in socket.receive_json()
        socket.send_text('{"action": "set", "lr": NaN}')
        assert "lr" in socket.receive_json()["error"]
        socket.send_json({"action": "step"})
        assert "epoch" in socket.receive_json()


def test_a_bad_first_message_closes_with_1008(client):
    with client.websocket_connect("/ws/train") as socket:
        socket.send_json({"network": {"layers": []}, "data": {"dataset": "thermometer"}})
        reply = socket.receive_json()
        assert "network" in reply["error"]
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
        assert closed.value.code == 1008


def test_foreign_origin_is_refused(client):
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/ws/train", headers={"origin": "https://evil.example"}):
            pass
    assert refused.value.code == 1008


def test_same_and_allowed_origins_are_accepted():
    with make_client(allowed_origins=["https://school.example"]) as client:
        for origin in ("http://testserver", "https://school.example"):
            with client.websocket_connect("/ws/train", headers={"origin": origin}) as socket:
                socket.send_json(book_line(epochs=1))
                assert receive_until_done(socket)[-1]["done"]


def test_past_the_session_limit_the_socket_closes_with_1013():
    with make_client(max_sessions=1) as client:
        client.app.state.sessions.acquire(idle_closer)
        with client.websocket_connect("/ws/train") as socket:
            socket.send_json(book_line(epochs=1))
            assert "training sessions" in socket.receive_json()["error"]
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_json()
            assert closed.value.code == 1013


def test_a_paused_idle_session_is_ended():
    with make_client(session_idle_seconds=0.2) as client:
        with client.websocket_connect("/ws/train") as socket:
            socket.send_json(book_line(epochs=100_000))
            socket.send_json({"action": "pause"})
            last = receive_until_done(socket)[-1]
            assert last["stopped"] == "idle" and "paused" in last["error"]
        assert client.app.state.sessions.active == 0


def test_closing_the_socket_ends_the_training(client):
    with client.websocket_connect("/ws/train") as socket:
        socket.send_json(book_line(epochs=100_000))
        socket.receive_json()
    # The session is released once the server sees the close.
    for _ in range(200):
        if client.app.state.sessions.active == 0:
            break
        import time

        time.sleep(0.01)
    assert client.app.state.sessions.active == 0
