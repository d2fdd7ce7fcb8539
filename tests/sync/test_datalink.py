"""firmware/datalink.py: the log and protocol wired to the real detector; nothing from the wire
reaches files or code."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from fakechannel import FakeChannel
from firmware import datalink
from firmware.detector import PostureDetector
from firmware.overrides import Overrides
from firmware.settings import load
from firmware.storage import Storage

ROOT = Path(__file__).resolve().parents[2]


def test_start_wires_log_protocol_and_settings(tmp_path: Path) -> None:
    store = datalink.open_storage(os, open, str(tmp_path / "log"))
    overrides = Overrides(store)
    settings = load(overrides.getenv(lambda k: None), print)
    detector = PostureDetector(settings)
    chan = FakeChannel()
    said: list[str] = []
    uid = SimpleNamespace(cpu=SimpleNamespace(uid=bytes([0xDE, 0xAD, 0x01])))
    log, proto = datalink.start(store, SimpleNamespace(data=chan), detector, settings, overrides,
                                datalink.device_id(uid), "1.2", said.append)
    assert log is not None and proto is not None and not said
    chan.send("HELLO")
    chan.send("SET POSTURE_SLOUCH_DEG 25")
    chan.send("LIVE on")
    for t in range(0, 600, 20):
        proto.poll(t)
    lines = chan.lines()
    assert lines[0] is not None and lines[0].startswith("HELLO id=DEAD01 fw=1.2")
    assert "SET POSTURE_SLOUCH_DEG 25" in lines
    assert settings.slouch_deg == 25 and detector._enter == 25.0  # applied at once
    assert any(x is not None and x.endswith(" calibrating") for x in lines)
    # and kept: the next start loads it ahead of settings.toml
    again = load(Overrides(store).getenv(lambda k: "15" if k == "POSTURE_SLOUCH_DEG" else None), print)
    assert again.slouch_deg == 25


def test_no_data_channel_and_read_only_drive(tmp_path: Path) -> None:
    settings = load(lambda k: None, print)
    detector = PostureDetector(settings)
    said: list[str] = []
    store = Storage(str(tmp_path / "missing" / "deeper"), os, open)  # cannot be created: like read-only
    log, proto = datalink.start(store, SimpleNamespace(data=None), detector, settings, None,
                                "X", "1", said.append, urandom=os.urandom)
    assert proto is None and log is not None and log.readonly
    assert any("read-only" in s for s in said)
    log.minute((1, 60, 60, 0, 0, 0, 0, 0, 0))
    log.flush()
    assert log.reader(0).next() is not None  # kept in RAM for sync


def test_storage_names_never_leave_the_log_directory(tmp_path: Path) -> None:
    store = Storage(str(tmp_path), os, open)
    for bad in ("../x", "/etc/passwd", "a/b", ".hidden", "..", "a\\b"):
        with pytest.raises(ValueError):
            store.path(bad)


def test_protocol_has_no_eval_exec_import_or_open() -> None:
    """Nothing that could turn wire text into code, a file name or an attribute name."""
    for name in ("protocol.py", "datalink.py", "overrides.py"):
        tree = ast.parse((ROOT / "firmware" / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__", "open"}, name
                if node.func.id in ("getattr", "setattr", "hasattr"):
                    attr = node.args[1]
                    # a literal, or the attribute column of firmware.settings.SPEC
                    assert isinstance(attr, ast.Constant) or "_spec_row" in ast.unparse(attr), name
