"""`posture simulate` driven through the real entry point, in process."""

from __future__ import annotations

import json

import pytest

from host.cli import main
from host.sim.wearer import load_truth


def test_writes_csv_and_truth_and_summary(tmp_path, capsys):
    out = tmp_path / "day.csv"
    assert main(["simulate", str(out), "--hours", "0.25", "--seed", "4", "--mount", "rotated"]) == 0
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and str(out) in line and "rotated" in line
    lines = out.read_text().splitlines()
    assert lines[0] == "t_s,ax,ay,az,gx,gy,gz"
    assert len(lines) == 1 + round(0.25 * 3600 * 26)
    truth = load_truth(str(out) + ".truth.json")
    assert truth["seed"] == 4 and truth["segments"][-1].end_s == pytest.approx(900.0)
    assert truth["segments"][0].label == "upright"


def test_json_summary_and_rate(tmp_path, capsys):
    out = tmp_path / "d.csv"
    assert main(["simulate", str(out), "--hours", "0.1", "--rate", "52", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["samples"] == round(0.1 * 3600 * 52) and summary["rate_hz"] == 52
    assert summary["mount"] == "nominal" and summary["csv"] == str(out)
    assert sum(summary["labels"].values()) == summary["segments"]
    assert out.read_text().splitlines()[2].startswith("0.019,")


def test_same_seed_same_file(tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    main(["simulate", str(a), "--hours", "0.05", "--seed", "9"])
    main(["simulate", str(b), "--hours", "0.05", "--seed", "9"])
    assert a.read_bytes() == b.read_bytes()
    main(["simulate", str(b), "--hours", "0.05", "--seed", "10"])
    assert a.read_bytes() != b.read_bytes()


@pytest.mark.parametrize("extra, message", [
    (["--hours", "0"], "--hours"),
    (["--hours", "-2"], "--hours"),
    (["--hours", "25"], "--hours"),
    (["--hours", "nan"], "--hours"),
    (["--hours", "0.001"], "one minute"),
    (["--rate", "5"], "--rate"),
    (["--seed", "-1"], "--seed"),
])
def test_bad_arguments_exit_2_with_a_message(tmp_path, capsys, extra, message):
    out = tmp_path / "x.csv"
    assert main(["simulate", str(out)] + extra) == 2
    err = capsys.readouterr().err
    assert err.startswith("posture: error: ") and message in err and "Traceback" not in err
    assert not out.exists()


def test_unwritable_outputs_exit_2(tmp_path, capsys):
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    for target in (tmp_path / "missing" / "x.csv", blocker / "x.csv", tmp_path):
        assert main(["simulate", str(target), "--hours", "0.05"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("posture: error: cannot write") and str(target) in err
    (tmp_path / "y.csv.truth.json").mkdir()
    assert main(["simulate", str(tmp_path / "y.csv"), "--hours", "0.05"]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_argparse_rejects_non_numbers_with_status_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", str(tmp_path / "x.csv"), "--hours", "eight"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["simulate", str(tmp_path / "x.csv"), "--mount", "sideways"])
    assert exc.value.code == 2
