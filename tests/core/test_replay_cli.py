"""`posture replay` driven in-process: output forms and bad input."""

import json

import pytest

from host.cli import main

from .synth import samples, steps


def write_csv(path, rows, header="t_s,ax,ay,az,gx,gy,gz"):
    with open(path, "w") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(f"{v:.5f}" for v in r) + "\n")
    return path


@pytest.fixture
def slouch_csv(tmp_path):
    return write_csv(tmp_path / "day.csv", samples(steps((0, 0, 0), (30, 25, 0), (120, 0, 0)), 150))


def test_json_lines_carry_time_and_event(slouch_csv, capsys):
    assert main(["replay", str(slouch_csv), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    names = [e["event"] for e in lines]
    assert names[0] == "calibrated"
    assert names.count("slouch_alert") == 1 and "slouch_end" in names
    alert = next(e for e in lines if e["event"] == "slouch_alert")
    assert 58 <= alert["t"] <= 75 and alert["after_s"] >= 30


def test_table_output_is_readable(slouch_csv, capsys):
    assert main(["replay", str(slouch_csv)]) == 0
    out = capsys.readouterr().out
    assert "slouch_alert" in out and "0:01:" in out and "samples" in out


def test_settings_override_and_file(slouch_csv, tmp_path, capsys):
    assert main(["replay", str(slouch_csv), "--json", "--set", "POSTURE_SLOUCH_DEG=30"]) == 0
    assert "slouch_alert" not in capsys.readouterr().out
    toml = tmp_path / "settings.toml"
    toml.write_text('POSTURE_SLOUCH_DELAY_S = 60\nCIRCUITPY_WEB_API_PASSWORD = "x"\n')
    assert main(["replay", str(slouch_csv), "--json", "--settings", str(toml)]) == 0
    alert = [json.loads(x) for x in capsys.readouterr().out.splitlines() if "slouch_alert" in x]
    assert len(alert) == 1 and alert[0]["after_s"] >= 60


def test_calibrate_at_a_later_time(tmp_path, capsys):
    # the wearer fidgets (recline) for 60 s, then sits upright and still at 60 s
    rows = list(samples(steps((0, -20, 0), (60, 0, 0), (100, 25, 0)), 200))
    path = write_csv(tmp_path / "late.csv", rows)
    assert main(["replay", str(path), "--json", "--calibrate-at", "61.5"]) == 0
    events = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    cal = [e for e in events if e["event"] == "calibrated"]
    assert len(cal) == 1 and 61.5 <= cal[0]["t"] <= 75
    assert any(e["event"] == "slouch_alert" for e in events)


def test_ticks_wrap_gives_the_same_events(slouch_csv, capsys):
    main(["replay", str(slouch_csv), "--json"])
    plain = capsys.readouterr().out
    main(["replay", str(slouch_csv), "--json", "--ticks-start", str((1 << 29) - 50_000)])
    assert capsys.readouterr().out == plain


BAD = [
    ("", "empty"),
    ("t_s,ax,ay,az,gx,gy\n0,0,0,9.8,0,0\n", "missing column(s) gz"),
    ("t_s,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.04,0,zero,9.8,0,0,0\n", "line 3: column ay is not a number"),
    ("t_s,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.04,0,0,9.8,0,0,0\n0.02,0,0,9.8,0,0,0\n",
     "line 4: time goes backwards"),
    ("t_s,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.04,0,0,9.8,0\n", "line 3: expected 7 fields"),
    ("t_s,ax,ay,az,gx,gy,gz\n", "no samples"),
    ("t_s,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n5,0,0,9.8,0,0,0\n", "sample rate"),
    ("t_s,ax,ay,az,gx,gy,gz\n0,0,0,nan,0,0,0\n", "not a number"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_bad_input_is_a_clear_message_and_status_2(tmp_path, capsys, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and str(path) in err


@pytest.mark.parametrize("args,message", [
    (["--set", "POSTURE_SLOUCH_DEG=abc"], "not a whole number"),
    (["--set", "POSTURE_NOPE=1"], "unknown setting POSTURE_NOPE"),
    (["--set", "justtext"], "expected KEY=VALUE"),
    (["--settings", "/nonexistent/settings.toml"], "no such settings file"),
    (["--calibrate-at", "9999"], "after the recording ends"),
])
def test_bad_options_are_refused(slouch_csv, capsys, args, message):
    assert main(["replay", str(slouch_csv)] + args) == 2
    assert message in capsys.readouterr().err


def test_missing_file(capsys):
    assert main(["replay", "/nonexistent.csv"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_binary_garbage_is_refused(tmp_path, capsys):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\xff\xfe\x00\x01garbage\x00" * 10)
    assert main(["replay", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


# ---- files as people actually have them ---------------------------------------------------------
def _rows(path, **kw):
    return write_csv(path, samples(steps((0, 0, 0), (30, 25, 0), (120, 0, 0)), 150), **kw)


def _events(capsys):
    return [json.loads(x)["event"] for x in capsys.readouterr().out.splitlines()]


def test_a_spreadsheet_bom_and_an_upper_case_header_are_read(slouch_csv, tmp_path, capsys):
    assert main(["replay", str(slouch_csv), "--json"]) == 0
    plain = _events(capsys)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + slouch_csv.read_bytes())
    upper = _rows(tmp_path / "upper.csv", header="T_S, AX, AY, AZ, GX, GY, GZ")
    for path in (bom, upper):
        assert main(["replay", str(path), "--json"]) == 0, capsys.readouterr().err
        assert _events(capsys) == plain and "slouch_alert" in plain


def test_acceleration_in_g_is_named_or_taken_with_units_g(slouch_csv, tmp_path, capsys):
    assert main(["replay", str(slouch_csv), "--json"]) == 0
    plain = _events(capsys)
    g = tmp_path / "g.csv"
    rows = samples(steps((0, 0, 0), (30, 25, 0), (120, 0, 0)), 150)
    write_csv(g, [(r[0], r[1] / 9.80665, r[2] / 9.80665, r[3] / 9.80665) + tuple(r[4:]) for r in rows])
    assert main(["replay", str(g)]) == 2
    err = capsys.readouterr().err
    assert "is g, not m/s²" in err and "--units g" in err and "lines 2-" in err
    assert main(["replay", str(g), "--json", "--units", "g"]) == 0
    assert _events(capsys) == plain


def test_times_in_milliseconds_are_named(tmp_path, capsys):
    rows = samples(steps((0, 0, 0), (30, 25, 0), (120, 0, 0)), 150)
    path = write_csv(tmp_path / "ms.csv", [(r[0] * 1000,) + tuple(r[1:]) for r in rows])
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert "milliseconds" in err and "divide" in err and "0.0 Hz" not in err


def test_all_zero_values_are_refused_plainly(tmp_path, capsys):
    path = write_csv(tmp_path / "zero.csv", [(i / 50, 0, 0, 0, 0, 0, 0) for i in range(3000)])
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a recording of the clip's sensor" in err and "Traceback" not in err


def test_too_short_to_calibrate_is_said_and_exits_2(tmp_path, capsys):
    """Exit 2: a zero exit with an empty table would read as "no slouching", which the file
    cannot tell; the message says why nothing was watched and how long to record."""
    rows = list(samples(steps((0, 0, 0), (60, 0, 0)), 2))
    path = write_csv(tmp_path / "short.csv", rows)
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert "before the clip could calibrate" in err and "5 s" in err
    long = write_csv(tmp_path / "long.csv", list(samples(steps((0, 0, 0), (60, 0, 0)), 20)))
    assert main(["replay", str(long), "--calibrate-at", "17"]) == 2
    assert "before the clip could calibrate" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_calibrate_at_must_be_a_real_time(slouch_csv, capsys, value):
    assert main(["replay", str(slouch_csv), "--calibrate-at", value]) == 2
    assert "--calibrate-at must be a number of seconds" in capsys.readouterr().err


def test_errors_name_the_line_they_are_on(tmp_path, capsys):
    rows = list(samples(steps((0, 0, 0), (60, 0, 0)), 60))   # 26 Hz: 1561 sample lines
    path = write_csv(tmp_path / "late.csv", rows)
    lines = path.read_text().splitlines()
    for line_no, bad, words in ((700, "x,1,2,3,4,5,6", "line 700: column t_s is not a number"),
                                (901, "1,2", "line 901: expected 7 fields"),
                                (1200, lines[5], "line 1200: time goes backwards")):
        broken = list(lines)
        broken[line_no - 1] = bad
        path.write_text("\n".join(broken) + "\n")
        assert main(["replay", str(path)]) == 2
        assert words in capsys.readouterr().err
    # a header and then a flood of NUL bytes with no line end: named as line 2, not line 1
    flood = tmp_path / "flood.csv"
    flood.write_bytes(b"t_s,ax,ay,az,gx,gy,gz\n" + bytes(100_000))
    assert main(["replay", str(flood)]) == 2
    assert "line 2: longer than" in capsys.readouterr().err


def test_settings_that_are_not_a_file_are_refused(slouch_csv, tmp_path, capsys):
    for target, words in (("/dev/urandom", "not a regular file"), (str(tmp_path), "is a folder")):
        assert main(["replay", str(slouch_csv), "--settings", target]) == 2
        assert words in capsys.readouterr().err
