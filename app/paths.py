"""Where the templates and static files are, installed or in a source checkout."""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    installed = _PACKAGE_DIR / name  # `pip install .` puts them inside the package
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name  # source checkout or editable install


TEMPLATES_DIR = _find("templates")
STATIC_DIR = _find("static")
