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
