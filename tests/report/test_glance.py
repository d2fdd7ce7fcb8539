"""The report reads at a glance: what a new user found, each checked on the page (and in
headless Chromium at a desktop width of 1280 px and a phone width of 390 px).

Plots are checked on the matplotlib figures the report draws (captured on their way to PNG):
bar heights and tick values, not pixels.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analytics.daybuilder import AFTERNOON, DAY, GOOD, LONG_SITTING, SLOW, Clip, make_db, wall_at
from host import plots
from host.report import build_html, write_report

from .browser import run_browser

WIDTHS = (1280, 390)


def text_of(page: str) -> str:
    t = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    t = re.sub(r"<[^>]+>", " ", t)
    return re.sub(r"\s+", " ", t).replace("&#x27;", "'").replace("&amp;", "&")


@pytest.fixture
def figures(monkeypatch):
    """Every matplotlib figure the report draws, by title."""
    drawn: dict[str, list] = {}
    real = plots._png

    def keep(fig):
        title = fig.axes[0].get_title() if fig.axes else ""
        drawn.setdefault(title, []).append(fig)
        return real(fig)
    monkeypatch.setattr(plots, "_png", keep)
    return drawn


def one_day_db(tmp_path: Path, script=DAY):
    db = tmp_path / "one.db"
    conn = make_db(str(db))
    Clip(conn).session(wall_at(None, 2026, 3, 2, 9, 0), script)
    return db, conn


def test_one_day_draws_no_single_bar_trend_and_says_why(tmp_path, figures):
    _db, conn = one_day_db(tmp_path)
    page = build_html(conn, days=7)
    assert not any("Trend" in t for t in figures)  # no one-bar chart across the whole width
    section = re.search(r'<section id="trend">(.*?)</section>', page, re.S).group(1)
    assert "<img" not in section and "two days" in text_of(section)


def test_hour_of_day_averages_over_worn_days_not_calendar_days(tmp_path, figures):
    """Two worn days six days apart, each with an hour slouched from 10:00: the hour-of-day chart
    shows 60 slouched minutes at 10:00 (per worn day), not 60 x 2 / 7 = 17."""
    db = tmp_path / "gap.db"
    conn = make_db(str(db))
    clip = Clip(conn)
    script = [("upright", 3600), ("slouch", 3600), ("upright", 3600)]
    for day in (2, 8):
        clip.session(wall_at(None, 2026, 3, day, 9, 0), script)
    page = build_html(conn, days=7)
    drawn = [f for t, fs in figures.items() if "hour of day" in t for f in fs]
    assert drawn
    for fig in drawn:  # the desktop drawing and the phone one
        heights = [round(p.get_height(), 1) for p in fig.axes[0].containers[0]]  # slouched bars
        assert heights[10] == 60.0 and heights[9] == 0.0, heights
    assert "2 days you wore the clip" in text_of(page)


def test_change_column_is_never_blank_without_a_reason(tmp_path):
    _db, conn = one_day_db(tmp_path)
    page = build_html(conn, days=1)
    table = re.search(r'<section id="summary">.*?<table>(.*?)</table>', page, re.S).group(1)
    cells = re.findall(r"<tr><td>[^<]*</td><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td></tr>", table)
    assert cells and all(c.strip() for c in cells), cells
    assert "nothing was recorded in the day before" in text_of(page)


def test_count_axes_have_whole_number_ticks(tmp_path, figures):
    _db, conn = one_day_db(tmp_path)  # two alerted episodes: a histogram of counts 0-1
    build_html(conn, days=1)
    assert figures["How quickly alerts work"]
    for fig in figures["How quickly alerts work"]:
        ticks = fig.axes[0].get_yticks()
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks


def test_alert_response_has_one_format_everywhere(tmp_path, figures):
    _db, conn = one_day_db(tmp_path)  # median response 165 s
    text = text_of(build_html(conn, days=1))
    assert "165 s" not in text
    assert text.count("2.8 min") >= 2  # the summary table and the alert-response section
    assert figures["How quickly alerts work"]
    for fig in figures["How quickly alerts work"]:
        assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["median 2.8 min"]


def test_precautions_come_before_the_exercises(tmp_path):
    _db, conn = one_day_db(tmp_path)
    page = build_html(conn, days=1)
    assert page.index('id="precautions"') < page.index('class="ex"')


def test_break_routine_points_where_the_exercises_are(tmp_path):
    _db, conn = one_day_db(tmp_path, LONG_SITTING)
    page = build_html(conn, days=1)
    routine = re.search(r"<h3>Break routine</h3><p>(.*?)</p>", page, re.S).group(1)
    assert "below" not in routine
    shown = re.findall(r'<div class="ex"><h4>([^<]*?) <span', page)
    named = [n for n in shown if n in routine]
    assert len(named) == 2, (routine, shown)
    assert page.index("<h3>Break routine</h3>") > page.index('<div class="ex">')  # "above" is true


def test_clip_settings_say_how_to_apply_them(tmp_path):
    _db, conn = one_day_db(tmp_path, SLOW)
    text = text_of(build_html(conn, days=1))
    assert "posture config POSTURE_HAPTIC_STRENGTH 90" in text
    assert "posture config POSTURE_REMIND_S 60" in text


def test_page_has_a_viewport_meta_tag(tmp_path):
    _db, conn = one_day_db(tmp_path)
    page = build_html(conn, days=1)
    head = page[:page.index("</head>")]
    assert re.search(r'<meta name="viewport" content="width=device-width, initial-scale=1">', head)


def test_headline_comes_first(tmp_path):
    _db, conn = one_day_db(tmp_path)  # 123 min worn, 94 % upright: the default goal is met
    page = build_html(conn, days=7)
    body = page[page.index("<body>"):]
    first = re.search(r'<section id="(\w+)"', body).group(1)
    assert first == "headline"
    head = text_of(re.search(r'<section id="headline">(.*?)</section>', page, re.S).group(1))
    assert re.search(r"Score \d{1,3}", head) and "goal met" in head and "streak" in head.lower()
    assert head.rstrip().endswith(".")


# Headless Chromium will not make a window narrower than 500 px, so the page is laid out in an
# iframe exactly `width` px wide (its own viewport: innerWidth is that width) and a script in the
# wrapping page reads the iframe's layout once everything has loaded.
WRAPPER = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="%(page)s" style="width:%(width)dpx;height:900px;border:0"></iframe>
<script>window.onload = function () {
  var w = document.getElementById('f').contentWindow, d = w.document;
  var imgs = Array.prototype.map.call(d.images, function (i) {
    return {w: i.clientWidth, n: i.naturalWidth, alt: i.alt}; });
  var out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({scroll: d.documentElement.scrollWidth, inner: w.innerWidth,
                                    imgs: imgs});
  document.body.appendChild(out);
};</script></body></html>"""


@pytest.fixture(scope="module")
def week_page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("glance")
    conn = make_db(str(tmp / "w.db"))
    clip = Clip(conn)
    for day, script in zip((2, 3, 4, 5), (DAY, GOOD, AFTERNOON, SLOW)):
        clip.session(wall_at(None, 2026, 3, day, 9, 0), script)
    page = write_report(conn, tmp / "out", days=7)
    return tmp, page


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_overflows_and_plot_labels_stay_readable(week_page, width):
    """scrollWidth <= innerWidth at both widths; every plot is shown at 60 % or more of the size
    it was drawn at, so its 10 pt labels (14 px as drawn) appear at 8 px or more."""
    tmp, page = week_page
    wrapper = tmp / ("wrap%d.html" % width)
    wrapper.write_text(WRAPPER % {"page": page.as_uri(), "width": width}, encoding="utf-8")
    res = run_browser(tmp, wrapper, "--dump-dom", "--allow-file-access-from-files",
                      "--window-size=%d,1000" % (width + 200))
    assert res.returncode == 0, res.stderr[-2000:]
    found = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', res.stdout, re.S).group(1)
                       .replace("&quot;", '"').replace("&amp;", "&"))
    assert found["inner"] == width
    assert found["scroll"] <= found["inner"], found
    assert len(found["imgs"]) >= 4
    for img in found["imgs"]:
        assert img["n"] > 0 and img["w"] / img["n"] >= 0.6, img
