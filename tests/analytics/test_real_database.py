"""The summary reads a database written by the real sync path: binary records -> host.db.Database."""

from __future__ import annotations

from datetime import date

from firmware import record
from host.cli import main
from host.db import Database
from host.summary import summarise

from .daybuilder import BERLIN, DAY, Clip, day_bounds, make_db, wall_at


def test_records_through_host_db_give_the_same_summary(tmp_path):
    start = wall_at(BERLIN, 2026, 3, 2, 9, 0)
    ref = make_db()
    Clip(ref).session(start, DAY, t0_ms=1000)
    raw = [record.encode_time(0, 1, 1000, int(start))]
    for seq, boot, *summary in ref.execute(
            "SELECT seq, boot, t_ms, worn_s, upright_s, slouch_s, moving_s, lying_s, mean_flex_d10,"
            " peak_flex_d10, alerts FROM minutes"):
        raw.append(record.encode_minute(seq, boot, tuple(summary)))
    for seq, boot, t_ms, kind, a, b in ref.execute("SELECT seq, boot, t_ms, kind, a, b FROM events"):
        raw.append(record.encode_event(seq, boot, (t_ms, kind, a, b)))
    raw.sort(key=lambda r: record.decode(r)[1])
    db = Database(tmp_path / "posture.sqlite3")
    db.store("clip-A", raw, acked=len(raw) - 1)
    got = summarise(db.conn, *day_bounds(date(2026, 3, 2)), tz=BERLIN)
    want = summarise(ref, *day_bounds(date(2026, 3, 2)), tz=BERLIN)
    assert got == want
    assert got["wear_min"] == 123.0 and got["median_response_s"] == 165.0


def test_default_database_location_comes_from_host_db(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "nowhere" / "posture.sqlite3"
    monkeypatch.setattr("host.db.default_path", lambda: missing)
    assert main(["summary"]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "posture sync" in err
    Database(missing).close()  # what a first sync leaves before any record arrives
    assert main(["suggest"]) == 2
    assert "no posture records yet" in capsys.readouterr().err
