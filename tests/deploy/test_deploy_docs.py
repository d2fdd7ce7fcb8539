"""The hardware guide's wiring picture and board table agree with firmware/boards.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PIL import Image

from firmware import boards
from host.deploy import ROOT

DOC = ROOT / "docs" / "hardware.md"


def _draw_wiring():
    spec = importlib.util.spec_from_file_location("draw_wiring", ROOT / "tools" / "draw_wiring.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wiring_picture_exists_and_shows_the_code_pins() -> None:
    tool = _draw_wiring()
    with Image.open(ROOT / "docs" / "wiring.png") as image:
        assert image.format == "PNG" and image.width >= 1200
        assert image.info.get("Description") == tool.summary(), \
            "docs/wiring.png is stale: run .venv/bin/python tools/draw_wiring.py"
    for board_id in tool.PANELS:
        cfg = boards.defaults(board_id)
        assert cfg["known"]
        assert "motor=%s" % cfg["motor_pin"] in tool.summary()


def test_wiring_tool_draws(tmp_path: Path) -> None:
    tool = _draw_wiring()
    out = tmp_path / "w.png"
    tool.draw(out)
    with Image.open(out) as image:
        assert image.info["Description"] == tool.summary()


def test_board_table_in_the_guide_names_the_code_pins() -> None:
    doc = DOC.read_text()
    for board_id in boards.board_ids():
        cfg = boards.defaults(board_id)
        row = next((line for line in doc.splitlines() if "`%s`" % board_id in line and line.startswith("|")), None)
        assert row is not None, board_id
        assert "`%s`" % cfg["motor_pin"] in row, board_id
        if cfg["button_pin"]:
            assert "`%s`" % cfg["button_pin"] in row, board_id
        assert "board.%s" % cfg["i2c"] in row or cfg["i2c"] == "STEMMA_I2C" and "STEMMA QT" in row, board_id
        assert "`%s`" % cfg["bootloader"] in row and '"%s"' % cfg["circuitpython_name"] in row, board_id
        if cfg.get("wake_pin"):
            assert "`%s`" % cfg["wake_pin"] in row, board_id
        else:
            assert "POSTURE_WAKE_PIN" in row, board_id


def test_guide_leads_with_the_recommended_build_and_has_the_fixes_of_issue_14() -> None:
    doc = DOC.read_text()
    assert doc.index("### Build B (recommended): Feather nRF52840 Sense") < doc.index("### Build A")
    assert "FTHR840BOOT" not in doc and "FTHRSNSBOOT" in doc and "Feather Bluefruit Sense" in doc
    # Build A's parts add up to what the guide says
    a = doc[doc.index("### Build A"):doc.index("### The small parts")]
    prices = [float(p) for row in a.splitlines() if row.startswith("| ") and "$" in row
              for p in __import__("re").findall(r"\$(\d+\.\d\d)", row.split("|")[3])]
    assert abs(sum(prices) + 1.0 - 37.70) < 0.01            # + about $1 of the transistor pack
    assert "about $37.70" in a
    for needed in ("E B C", "P2N2222A", "C B E", "CFR-25JB-52-1K", "1N4148-TAP", "## Assembly",
                   "Enclosure", "Strap", "IMU breakout** faces out", "on/off switch", "battery-voltage divider",
                   "POSTURE_WAKE_PIN", "POSTURE_SLEEP_MIN"):
        assert needed in doc, needed


def test_guide_covers_what_the_issue_asks() -> None:
    doc = DOC.read_text()
    for heading in ("## Bill of materials", "## Wiring", "## Wearing it", "## Calibrating", "## Syncing",
                    "## Settings", "## Troubleshooting", "Safe mode", "read-only", "No data channel",
                    "Sensor not found", "wiring.png"):
        assert heading in doc, heading
    assert doc.count("$") >= 8  # prices
