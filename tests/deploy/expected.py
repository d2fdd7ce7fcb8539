"""What a deploy must put on the board, worked out independently of host.deploy's own file lists."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from host.board_source import board_bytes, board_keywords  # the form .py files go to the board in

# The device libraries the issue names, as PyPI installed them into this environment.
LIBRARY_PACKAGES = ("adafruit_lsm6ds", "adafruit_register", "adafruit_bus_device")
LIBRARY_MODULES = ("adafruit_drv2605",)


def _keywords(root: Path) -> frozenset[str]:
    """Keyword names passed anywhere in the code that runs on the board (board_bytes renames no
    parameter of these names)."""
    paths: list[Path] = []
    for name in LIBRARY_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, name
        paths += Path(list(spec.submodule_search_locations)[0]).glob("*.py")
    for name in LIBRARY_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, name
        paths.append(Path(spec.origin))
    paths += [root / n for n in ("boot.py", "code.py", "safemode.py") if (root / n).is_file()]
    return board_keywords(paths + sorted((root / "firmware").glob("*.py")))


def library_files(root: Path | None = None) -> dict[str, bytes]:
    from host.deploy import ROOT

    keywords = _keywords(root or ROOT)
    files: dict[str, bytes] = {}
    for name in LIBRARY_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, name
        folder = Path(list(spec.submodule_search_locations)[0])
        for path in folder.glob("*.py"):
            files["lib/%s/%s" % (name, path.name)] = board_bytes(path, keywords)
    for name in LIBRARY_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, name
        files["lib/%s.py" % name] = board_bytes(spec.origin, keywords)
    return files


def project_files(root: Path) -> dict[str, bytes]:
    files = {"boot.py": (root / "boot.py").read_bytes(), "code.py": (root / "code.py").read_bytes()}
    if (root / "safemode.py").is_file():
        files["safemode.py"] = (root / "safemode.py").read_bytes()
    keywords = _keywords(root)
    for path in (root / "firmware").glob("*.py"):
        files["firmware/" + path.name] = board_bytes(path, keywords)
    return files


def all_files(root: Path) -> dict[str, bytes]:
    files = library_files(root)
    files.update(project_files(root))
    return files


def dir_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
