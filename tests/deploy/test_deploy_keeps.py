"""`posture deploy` keeps what is not its own (issue 12): the user's settings.toml byte for byte,
files it did not install, and everything outside the drive; an odd drive is a message and exit 2."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from firmware import integrity
from host import cli, deploy
from host.errors import PostureError

from . import fat
from .conftest import DEPLOYABLE


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["deploy", *args])
    out, err = capsys.readouterr()
    return code, out, err


def tree(path: Path) -> dict[str, bytes]:
    """Every file under `path`, with links shown as links (never followed)."""
    out: dict[str, bytes] = {}
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            p = Path(folder) / name
            rel = p.relative_to(path).as_posix()
            if p.is_symlink():
                out[rel] = b"-> " + os.readlink(p).encode()
            elif p.is_file():
                out[rel] = p.read_bytes()
    return out


# ---- settings.toml: every byte that is not a POSTURE_ value is the user's ------------------

_bare = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,12}", fullmatch=True).filter(
    lambda k: not k.upper().startswith("POSTURE_"))
_anybytes = st.binary(max_size=24).map(lambda b: b.replace(b'"', b"").replace(b"\\", b"").replace(b"\n", b"")
                                       .replace(b"\r", b""))
_literal = st.binary(max_size=24).map(lambda b: b.replace(b"'", b"").replace(b"\n", b"").replace(b"\r", b""))
_posture = st.sampled_from([
    b"POSTURE_SLOUCH_DEG = 20", b"POSTURE_SLOUCH_DEG = 20  # my back", b'POSTURE_HAPTIC = "digital"',
    b'POSTURE_HAPTIC_PIN = "D9"', b"POSTURE_IMU_ADDRESS = 0x6B", b"POSTURE_BREAK_MIN = 900",
    b"POSTURE_TYPO = 3", b'POSTURE_BUTTON_PIN = "SDA"', b"  POSTURE_REMIND_S=300",
])


@st.composite
def user_settings(draw: st.DrawFn) -> bytes:
    """A settings.toml as people write them: comments, Wi-Fi keys with any bytes in their strings,
    multi-line strings, dashed/quoted/dotted keys, CRLF, a byte-order mark, tables at the end."""
    lines: list[bytes] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append(b"# " + draw(_literal))
        elif kind == 1:
            lines.append(draw(_bare).encode() + b' = "' + draw(_anybytes) + b'"')
        elif kind == 2:
            lines.append(draw(_bare).encode() + b" = '" + draw(_literal) + b"'")
        elif kind == 3:
            body = b"\n".join(draw(st.lists(_anybytes, max_size=3)))
            lines.append(draw(_bare).encode() + b' = """' + body + b'"""')
        elif kind == 4:
            body = b"\n".join(draw(st.lists(_literal, max_size=3)))
            lines.append(draw(_bare).encode() + b" = '''" + body + b"'''")
        elif kind == 5:
            lines.append(b'"quoted key" = 1')
        elif kind == 6:
            lines.append(draw(_bare).encode() + b".sub = [1,\n  2,  # two\n]")
        elif kind == 7:
            lines.append(b"")
        else:
            lines.append(draw(_posture))
    if draw(st.booleans()):
        lines.append(b"[table]\nPOSTURE_SLOUCH_DEG = '''\nnot read\n'''\n\xff = \xfe")
    eol = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = eol.join(lines) + (eol if draw(st.booleans()) else b"")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


@pytest.fixture(scope="module")
def frozen_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deployable files, copied once: every example deploys the very same release."""
    root = tmp_path_factory.mktemp("project")
    (root / "lib").mkdir()
    for rel in DEPLOYABLE:
        shutil.copy(deploy.ROOT / rel, root / rel)
    shutil.copytree(deploy.ROOT / "firmware", root / "firmware", ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture(scope="module")
def installed_drive(tmp_path_factory: pytest.TempPathFactory, frozen_project: Path) -> Path:
    """A drive with that release installed once (each example copies it)."""
    root = tmp_path_factory.mktemp("installed") / "CIRCUITPY"
    root.mkdir()
    (root / "boot_out.txt").write_text(fat.BOOT_OUT_9)
    target = deploy.DirTarget(root)
    deploy.apply(deploy.plan(target, root=frozen_project), target)
    return root


@hsettings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=user_settings())
def test_every_byte_of_the_users_settings_toml_is_kept(data: bytes, installed_drive: Path, frozen_project: Path,
                                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    drive = tmp_path_factory.mktemp("d") / "CIRCUITPY"
    shutil.copytree(installed_drive, drive)
    (drive / "settings.toml").write_bytes(data)
    target = deploy.DirTarget(drive)
    try:
        plan = deploy.plan(target, root=frozen_project)
    except PostureError as exc:  # only for a POSTURE_ line it cannot read, and then nothing is written
        assert "settings.toml, line" in str(exc) and "nothing was written" in str(exc)
        assert (drive / "settings.toml").read_bytes() == data
        return
    deploy.apply(plan, target)
    assert (drive / "settings.toml").read_bytes() == data
    after, want = tree(drive), {**tree(installed_drive), "settings.toml": data}
    # nothing else changed
    assert after == want, sorted(k for k in set(after) | set(want) if after.get(k) != want.get(k))


def test_latin1_multiline_tables_and_comments_survive_a_deploy(drive_dir: Path) -> None:
    user = (b"# Einstellungen f\xfcr den Clip\r\n"
            b'CIRCUITPY_WIFI_PASSWORD = "gr\xfc\xdfe"\r\n'
            b'motd = """line one\r\nline two"""\r\n'
            b"my-key = 'x'\r\n"
            b'"quoted key" = 1\r\n'
            b"a.b.c = 2\r\n"
            b"POSTURE_SLOUCH_DEG = 22 # tighter\r\n"
            b"[web]\r\nport = 80\r\n")
    (drive_dir / "settings.toml").write_bytes(user)
    target = deploy.DirTarget(drive_dir)
    plan = deploy.plan(target)
    assert plan.settings_kept == ["CIRCUITPY_WIFI_PASSWORD", "motd", "my-key", "quoted key", "a.b.c",
                                  "POSTURE_SLOUCH_DEG"]
    assert plan.warnings == [] or all("board" in w for w in plan.warnings)
    deploy.apply(plan, target)
    assert (drive_dir / "settings.toml").read_bytes() == user


def test_a_multiline_posture_value_stops_deploy_with_the_line_and_writes_nothing(
        drive_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (drive_dir / "settings.toml").write_bytes(b'A = 1\nPOSTURE_HAPTIC_PIN = """\nD5"""\n')
    before = tree(drive_dir)
    code, out, err = run_cli(capsys, "--drive", str(drive_dir))
    assert code == 2 and out == "" and "Traceback" not in err
    assert "settings.toml, line 2: POSTURE_HAPTIC_PIN's value spans several lines" in err
    assert tree(drive_dir) == before


def test_a_symlinked_settings_toml_stays_a_link(drive_dir: Path) -> None:
    (drive_dir / "my.toml").write_bytes(b"POSTURE_SLOUCH_DEG = 20\n")
    (drive_dir / "settings.toml").symlink_to("my.toml")
    target = deploy.DirTarget(drive_dir)
    deploy.apply(deploy.plan(target), target)
    assert os.readlink(drive_dir / "settings.toml") == "my.toml"
    assert (drive_dir / "my.toml").read_bytes() == b"POSTURE_SLOUCH_DEG = 20\n"


# ---- never outside the drive; never the user's files ---------------------------------------

@pytest.mark.parametrize("link", ["firmware", "lib", "settings.toml", "firmware/log.py"])
def test_a_link_out_of_the_drive_is_refused_and_nothing_outside_is_touched(
        link: str, drive_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = deploy.DirTarget(drive_dir)
    deploy.apply(deploy.plan(target), target)  # an installed board
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "notes.py").write_text("mine = 1\n")
    (outside / "log.py").write_text("not the firmware's\n")
    (outside / "x.toml").write_text("A = 1\n")
    where = drive_dir / link
    if where.is_dir():
        shutil.rmtree(where)
    else:
        where.unlink()
    where.symlink_to(outside if "." not in link else outside / Path(link).name.replace("settings", "x"))
    before_out, before_drive = tree(outside), tree(drive_dir)
    # a release that changes every firmware file, so deploy would write into each folder
    code, out, err = run_cli(capsys, "--drive", str(drive_dir))
    assert code == 2 and out == "" and "Traceback" not in err
    assert "outside the drive" in err and "nothing was written" in err and link in err, err
    assert tree(outside) == before_out
    assert tree(drive_dir) == before_drive


def test_a_stray_module_in_firmware_is_kept_and_only_deploys_own_files_are_removed(
        drive_dir: Path, project: Path) -> None:
    (project / "firmware" / "retired.py").write_text("OLD = 1\n")
    target = deploy.DirTarget(drive_dir)
    deploy.apply(deploy.plan(target, root=project), target)
    (drive_dir / "firmware" / "my_tweak.py").write_text("# the user's own module\n")
    (drive_dir / "firmware" / "boards.mpy").write_bytes(b"C\x06user's")  # would shadow boards.py
    (project / "firmware" / "retired.py").unlink()
    plan = deploy.plan(target, root=project)
    assert [s.path for s in plan.steps if s.action == "remove"] == ["firmware/retired.py"]
    assert any("firmware/boards.mpy was not installed by deploy" in w for w in plan.warnings)
    deploy.apply(plan, target)
    assert (drive_dir / "firmware" / "my_tweak.py").read_text() == "# the user's own module\n"
    assert (drive_dir / "firmware" / "boards.mpy").read_bytes() == b"C\x06user's"
    assert not (drive_dir / "firmware" / "retired.py").exists()
    manifest = (drive_dir / integrity.MANIFEST).read_text()
    assert "my_tweak" not in manifest and "retired" in manifest  # the removal is on record


@pytest.mark.parametrize("odd,message", [
    ("code.py/", "code.py on .* is a folder where deploy keeps a file"),
    ("settings.toml/", "settings.toml on .* is a folder where deploy keeps a file"),
    ("firmware/log.py/", "firmware/log.py on .* is a folder where deploy keeps a file"),
    ("firmware", "firmware on .* is a file where deploy needs a folder"),
    ("lib", "lib on .* is a file where deploy needs a folder"),
    ("unreadable:settings.toml", "cannot read settings.toml on .*Permission denied"),
    ("unreadable:code.py", "cannot read code.py on .*Permission denied"),
    ("dangling:settings.toml", "settings.toml on .* is a link to .*which does not exist"),
])
def test_an_odd_drive_is_a_message_and_exit_2(odd: str, message: str, drive_dir: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    if odd.startswith("unreadable:"):
        path = drive_dir / odd.split(":", 1)[1]
        path.write_text("x = 1\n")
        path.chmod(0)
        if os.geteuid() == 0:  # root reads anything: the OS's answer to a user, at the same call
            real = Path.read_bytes

            def read_bytes(self: Path) -> bytes:
                if self == path:
                    raise PermissionError(13, "Permission denied", str(self))
                return real(self)
            monkeypatch.setattr(Path, "read_bytes", read_bytes)
    elif odd.startswith("dangling:"):
        (drive_dir / odd.split(":", 1)[1]).symlink_to("gone.toml")
    elif odd.endswith("/"):
        (drive_dir / odd).mkdir(parents=True)
    else:
        (drive_dir / odd).write_text("a file\n")
    before = tree(drive_dir) if not odd.startswith("unreadable:") else None
    code, out, err = run_cli(capsys, "--drive", str(drive_dir))
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert re.search(message, err), err
    if before is not None:
        assert tree(drive_dir) == before
    else:
        assert sorted(p.name for p in drive_dir.iterdir()) == ["boot_out.txt", odd.split(":", 1)[1]]
