"""The engine is NumPy and the standard library only: it never imports the web layer."""

import ast
from pathlib import Path

import app.engine

ENGINE_DIR = Path(app.engine.__file__).parent
FORBIDDEN = {
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic_settings",
    "uvicorn",
    "jinja2",
    "app.api",
}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_engine_imports_no_web_layer():
    offenders = {}
    for path in ENGINE_DIR.glob("*.py"):
        bad = {
            name
            for name in _imported_modules(path)
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
        }
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


def test_layering_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from fastapi import FastAPI\nimport numpy\n")
    assert "fastapi" in _imported_modules(sample)


def test_no_eval_or_exec_in_app():
    root = ENGINE_DIR.parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile"}, f"{path}: {node.func.id}"
