"""The HTML report, checked as a file and rendered in a real headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from analytics.daybuilder import AFTERNOON, DAY, GOOD, SLOW, Clip, make_db, wall_at
from host.cli import main
from host.errors import PostureError
from host.report import write_report
from host.suggest import load_library

from .browser import run_browser

SLOUCH_RGB, UPRIGHT_RGB = (0xE6, 0x55, 0x0D), (0x2C, 0xA2, 0x5F)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    db = tmp / "posture.db"
    conn = make_db(str(db))
    clip = Clip(conn)
    for day, script in zip((2, 3, 4, 5), (DAY, GOOD, AFTERNOON, SLOW)):
        clip.session(wall_at(None, 2026, 3, day, 9, 0), script)
    clip.session(0, [("upright", 600)], anchored=False)
    page = write_report(conn, tmp / "out", days=7)
    return tmp, db, conn, page


def test_page_is_self_contained(week):
    _tmp, _db, _conn, page = week
    text = page.read_text(encoding="utf-8")
    assert page.name == "posture-report.html"
    srcs = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert len(srcs) == 4 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r"https?://", text)
    assert "<script" not in text


def test_rendered_content(week):
    tmp, _db, _conn, page = week
    res = run_browser(tmp, page, "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert "<title>Posture report 2026-03-02 to 2026-03-05 (4 days)</title>" in dom  # 7 asked, cut to the data
    for section in ("summary", "timeline", "hours", "trend", "responses", "suggestions", "precautions"):
        assert 'id="%s"' % section in dom
    # four days of constructed wear: 123 + 3 x 45.33 + 180 + 157.33 + 170 minutes
    text = re.sub(r"<[^>]+>", " ", dom)
    text = re.sub(r"\s+", " ", text)
    assert "2026-03-02 2h 03m 94% 6.8 min 2" in text  # the hand-checked day of tests/analytics
    assert "Forward slouching builds up in the afternoon" in text
    assert "Alerts are slow to work" in text
    assert "posture config POSTURE_HAPTIC_STRENGTH 90" in text
    for line in load_library()["precautions"]:
        assert line.replace("'", "&#x27;") in dom or line in text
    assert "10 minutes and 0 events have no wall time" in text
    assert dom.count('src="data:image/png;base64,') == 4


def test_screenshot_shows_the_plots(week):
    tmp, _db, _conn, page = week
    shot = tmp / "shot.png"
    res = run_browser(tmp, page, "--screenshot=%s" % shot, "--window-size=1200,2000", "--hide-scrollbars")
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    img = Image.open(shot).convert("RGB")
    assert img.size == (1200, 2000)
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 500  # text, tables and plots: not a blank page
    counts = {rgb: n for n, rgb in colours}

    def near(target, tol=12):
        return sum(n for rgb, n in counts.items() if all(abs(a - b) <= tol for a, b in zip(rgb, target)))
    assert near(SLOUCH_RGB) > 500 and near(UPRIGHT_RGB) > 2000  # timeline and bars were drawn


def test_cli_writes_and_prints_the_path(week, tmp_path, capsys):
    _tmp, db, _conn, _page = week
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "r"), "--days", "2"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == (tmp_path / "r" / "posture-report.html").resolve() and path.stat().st_size > 10000
    assert "2026-03-04 to 2026-03-05 (2 days)" in path.read_text(encoding="utf-8")
    assert main(["report", "--db", str(db), "--days", "0", "--out", str(tmp_path)]) == 2


def test_unwritable_out_dir_is_a_clear_error(week, tmp_path):
    _tmp, _db, conn, _page = week
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PostureError, match="cannot write the report"):
        write_report(conn, blocker, days=1)


def test_report_over_far_more_days_than_the_data(tmp_path, capsys):
    """--days is cut to the days that hold records: 40 days of data asked as 10 years (or a
    number of days no calendar holds) is a 40-day report, not 3650 empty rows to plot."""
    db = tmp_path / "posture.db"
    conn = make_db(str(db))
    clip = Clip(conn)
    for day in range(40):
        clip.session(wall_at(None, 2026, 1, 1, 9, 0) + day * 86400, [("upright", 1200), ("slouch", 300)])
    conn.close()
    for days in ("3650", "99999999999"):
        assert main(["report", "--db", str(db), "--days", days, "--out", str(tmp_path / "out")]) == 0
        capsys.readouterr()
        text = (tmp_path / "out" / "posture-report.html").read_text(encoding="utf-8")
        assert "<title>Posture report 2026-01-01 to 2026-02-09 (40 days)</title>" in text
    assert main(["report", "--db", str(db), "--days", "0"]) == 2
    assert "--days must be at least 1" in capsys.readouterr().err
