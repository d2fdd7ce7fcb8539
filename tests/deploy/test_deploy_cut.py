"""A deploy cut at every file boundary, then the real boot.py/code.py start on the simulated board
from that drive: the clip runs the old firmware or the new one, never a mix (issue 11 finding 5,
issue 12 "an interrupted deploy"). And when a mix is there anyway (a drive the laptop kept, files
copied by hand), code.py keeps alerting, says so, and never restarts in a loop.

Release 2 changes firmware/log.py so that it needs a name only release 2's firmware/record.py
has: the issue's own case (new log.py, old record.py: the log's import fails at start).
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any

import pytest

from firmware import integrity
from host import deploy
from host.errors import PostureError
from host.sim.device import SimDevice

from . import expected, fat

SLOUCH_DAY = [("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 20)]


class Unplugged(OSError):
    pass


class CutAfter:
    """A deploy target that is unplugged after `n` writing operations (any Target method that
    changes the drive: mkdir, stage, commit, remove, and the one-step write of older deploys)."""

    WRITES = ("mkdir", "stage", "commit", "remove", "write")

    def __init__(self, inner: Any, n: int) -> None:
        self.inner = inner
        self.n = n
        self.done = 0
        self.label = inner.label

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name not in self.WRITES:
            return method

        def cut(*args: Any) -> Any:
            if self.done >= self.n:
                raise Unplugged(errno.EIO, "device disconnected")
            self.done += 1
            return method(*args)
        return cut


def release(project: Path, n: int) -> None:
    """Turn the project copy into release `n` (1: as checked out plus a module release 2 drops)."""
    fw = project / "firmware"
    if n == 1:
        (fw / "retired.py").write_text("OLD = 1\n")
        return
    (fw / "retired.py").unlink()
    (fw / "added.py").write_text("NEW = 2\n")
    (fw / "record.py").write_bytes((fw / "record.py").read_bytes() + b"\nRELEASE_2 = 2\n")
    (fw / "log.py").write_bytes((fw / "log.py").read_bytes()
                                + b"\nfrom firmware.record import RELEASE_2  # noqa: E402,F401\n")
    (project / "code.py").write_bytes((project / "code.py").read_bytes() + b"\n# release 2\n")


def installed(drive: Path) -> dict[str, bytes]:
    """The deployable files on the drive (no boot_out.txt, settings, log or manifests)."""
    tree = expected.dir_tree(drive)
    return {rel: data for rel, data in tree.items()
            if rel.endswith(".py") and not rel.startswith("log/")}


def wearer() -> Any:
    """A synthetic wearer: 25 s upright (calibration), a 60 s slouch, upright again."""
    from host.sim import scenario
    from host.sim.wearer import render

    return render(scenario.build(SLOUCH_DAY), rate_hz=104.0, seed=1)


def start_board(drive: Path, seconds: float, held: bool = False) -> SimDevice:
    dev = SimDevice(wearer(), root=str(drive), fs_dir=str(drive))
    if held:  # the button held through boot.py: the drive stays the laptop's (read-only to the clip)
        dev.board.pin("BUTTON").drive(lambda t_ms: t_ms > 1100)
    dev.run_for(seconds)
    return dev


@pytest.fixture
def releases(tmp_path: Path, project: Path) -> tuple[Path, Path, dict[str, bytes], dict[str, bytes]]:
    """A drive with release 1 installed, the project at release 2, and both file sets."""
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "boot_out.txt").write_text(fat.BOOT_OUT_9)
    release(project, 1)
    deploy.apply(deploy.plan(deploy.DirTarget(drive), root=project), deploy.DirTarget(drive))
    old = installed(drive)
    release(project, 2)
    new = {**{k: v for k, v in old.items() if k != "firmware/retired.py"}, **expected.project_files(project)}
    return drive, project, old, new


def test_a_deploy_cut_at_every_file_boundary_starts_the_old_firmware_or_the_new(
        releases: tuple, tmp_path: Path) -> None:
    drive, project, old, new = releases
    pristine = tmp_path / "pristine"
    shutil.copytree(drive, pristine)
    total = None
    n = 0
    seen = {"old": 0, "new": 0}
    while total is None or n <= total:
        shutil.rmtree(drive)
        shutil.copytree(pristine, drive)
        target = CutAfter(deploy.DirTarget(drive), n)
        plan = deploy.plan(target, root=project)
        try:
            deploy.apply(plan, target)
            total = target.done   # the whole deploy: the last case
        except PostureError as exc:
            assert "device disconnected" in str(exc)
        dev = start_board(drive, 12)
        try:
            now = installed(drive)
            which = "new" if now == new else "old" if now == old else None
            assert which, (n, sorted(k for k in set(now) | set(new) if now.get(k) != new.get(k)))
            seen[which] += 1
            text = dev.console_text()
            assert dev.crashes == [] and dev.code_runs == 1 and dev.boots == 1, (n, text)
            assert "Traceback" not in text and "not one deploy's set" not in text, (n, text)
            assert "posture: calibrated" in text, (n, text)
            # the firmware's own check agrees: no staged manifest left, every file the size deploy wrote
            state = integrity.check_firmware(_HostOs(drive), _host_open(drive), _version(drive))
            assert state == ("ok", 0, ""), (n, state)
        finally:
            dev.close()
        n += 1
    assert total is not None and total >= 10
    assert seen["old"] >= 1 and seen["new"] >= 1, seen


def test_a_mixed_set_on_a_drive_the_clip_cannot_fix_still_alerts_and_says_deploy_again(
        releases: tuple) -> None:
    """Cut after the commit point while the laptop keeps the drive (button held at the next start):
    boot.py may not finish the swap, so the clip starts on a mix (new log.py, old record.py)."""
    drive, project, old, new = releases
    target = deploy.DirTarget(drive)
    plan = deploy.plan(target, root=project)
    staged = [s.path for s in plan.steps if s.action in ("write", "update") and s.path != integrity.MANIFEST]
    assert staged.index("firmware/log.py") < staged.index("firmware/record.py")
    # stages (files + manifest, with one mkdir-free plan) then commits up to and including log.py
    n = len(staged) + 1 + staged.index("firmware/log.py") + 1
    with pytest.raises(PostureError):
        deploy.apply(plan, CutAfter(target, n))
    assert (drive / "firmware" / "log.py").read_bytes() == new["firmware/log.py"]
    assert (drive / "firmware" / "record.py").read_bytes() == old["firmware/record.py"]
    _assert_alerts_on_a_mix(drive, held=True)


def test_files_copied_by_hand_that_mix_two_releases_are_named_and_the_clip_still_alerts(
        releases: tuple) -> None:
    """No deploy cut at all: release 1's manifest, then release 2's log.py copied over by hand."""
    drive, project, old, new = releases
    (drive / "firmware" / "log.py").write_bytes(new["firmware/log.py"])
    _assert_alerts_on_a_mix(drive, held=False)


def _assert_alerts_on_a_mix(drive: Path, held: bool) -> None:
    from firmware.haptics import SLOUCH_ALERT

    dev = start_board(drive, 100, held=held)
    try:
        text = dev.console_text()
        # never restarted, never crashed: the loop ran the whole span
        assert dev.crashes == [] and dev.code_runs == 1 and dev.boots == 1 and dev.resets == [], text
        assert "Traceback" not in text
        assert "not one deploy's set" in text and "run `posture deploy` again" in text, text
        assert "running without the log and sync" in text, text
        assert "posture: calibrated" in text and "posture: slouch_alert" in text, text
        spans = dev.vibrations()
        # the error pattern once at start (five short pulses before the calibration buzz) ...
        early = [(s, e) for s, e in spans if s < 5000]
        assert len(early) == 5 and all(30 <= e - s <= 120 for s, e in early), spans
        # ... and the slouch alert's on-off-on pattern later
        assert any(abs((e1 - s1) - SLOUCH_ALERT[0]) <= 40 and abs((e2 - s2) - SLOUCH_ALERT[2]) <= 40
                   for (s1, e1), (s2, e2) in zip(spans, spans[1:]) if s1 > 30000), spans
    finally:
        dev.close()


class _HostOs:
    """os as firmware/integrity.py calls it on the board, rooted at the drive directory."""

    def __init__(self, drive: Path) -> None:
        self.drive = drive

    def stat(self, path: str) -> Any:
        import os

        return tuple(os.stat(self.drive / path.lstrip("/")))


def _host_open(drive: Path) -> Any:
    return lambda path, *a: open(drive / path.lstrip("/"), *a)


def _version(drive: Path) -> str:
    for line in (drive / "firmware" / "__init__.py").read_text().splitlines():
        if line.startswith("VERSION"):
            return line.split('"')[1]
    raise AssertionError("no VERSION")
