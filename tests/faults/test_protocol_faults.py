"""The data channel under attack and under noise: the real firmware Protocol and Log.

What it must hold to: an invalid line gets exactly one ERR reply and changes
nothing; a command can neither name a file nor run code; SET is an allow-list
with range checks; and noise mixed into a session changes nothing that the
session's valid lines alone would not have changed.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from firmware.protocol import MAX_LINE, frame
from firmware.settings import INT, SPEC

from .clip import Clip

SENTINELS = {"code.py": b"print('the real code.py')\n", "boot.py": b"# boot\n",
             "settings.toml": b"POSTURE_SLOUCH_DEG = 15\n", "secret.txt": b"not for the wire\n"}


def make_clip(tmp_path: Path, minutes: int = 30) -> Clip:
    for name, data in SENTINELS.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "log").mkdir()
    return Clip(tmp_path / "log", minutes)


# Lines with a good CRC that try to reach files or code through the protocol.
HOSTILE = [
    "GET ../code.py", "GET /settings.toml", "GET settings.toml", "GET secret.txt",
    "GET __class__", "GET POSTURE_SLOUCH_DEG extra",
    "SET ../boot.py 1", "SET /code.py print(1)", "SET settings.toml 1",
    "SET POSTURE_SLOUCH_DEG __import__('os').remove('code.py')",
    "SET POSTURE_SLOUCH_DEG eval('1+1')", "SET POSTURE_SLOUCH_DEG 1e9", "SET POSTURE_SLOUCH_DEG 15.0",
    "SET POSTURE_HAPTIC_PIN ../../code.py", "SET POSTURE_HAPTIC_PIN __class__",
    "SET POSTURE_HAPTIC_PIN /dev/null", "SET POSTURE_IMU __import__", "SET POSTURE_HAPTIC exec",
    "SET POSTURE_HAPTIC_PIN D5 extra", "SET POSTURE_SLOUCH_DEG",
    "SYNC ../../secret.txt", "SYNC -1", "SYNC 0 -5", "SYNC 0 99999999", "SYNC 0x10",
    "ERASE *", "ERASE ../log", "ERASE -1", "ERASE 5",            # nothing is acknowledged yet
    "ACK 99999999999", "ACK -3", "ACK ../x", "ACK 1 2", "ACK 30", "ACK 4294967295",
    "TIME 0", "TIME -1", "TIME now", "TIME 99999999999",
    "LIVE maybe", "LIVE", "CALIBRATE now", "HELLO ../", "STATUS 1",
    "exec(open('code.py').read())", "eval 1+1", "import os", "__import__('os').system('ls')",
    "open secret.txt", "READ secret.txt", "WRITE code.py x", "DELETE code.py", "LS", "CD ..",
    "help", "hello", "sync 0", "HELLO\tX", "\\x00", "*", "",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_lines_are_refused_and_touch_nothing(tmp_path: Path, body: str) -> None:
    clip = make_clip(tmp_path)
    before = clip.state()
    replies = clip.feed(frame(body))
    assert clip.state() == before
    assert len(replies) == 1 and replies[0] is not None and replies[0].startswith("ERR "), replies
    assert (tmp_path / "code.py").read_bytes() == SENTINELS["code.py"]


def test_no_reply_ever_carries_a_file(tmp_path: Path) -> None:
    clip = make_clip(tmp_path)
    out = []
    for body in HOSTILE + ["HELLO", "STATUS", "SYNC 0 5", "GET POSTURE_SLOUCH_DEG"]:
        out += clip.feed(frame(body))
    text = "\n".join(r or "" for r in out)
    for data in SENTINELS.values():
        assert data.decode().strip() not in text


def _int_rows() -> list[tuple]:
    return [row for row in SPEC if row[2] == INT]


@pytest.mark.parametrize("row", _int_rows(), ids=lambda r: r[0])
def test_set_is_range_checked_at_both_ends_for_every_number(tmp_path: Path, row: tuple) -> None:
    key, attr, low, high = row[0], row[1], row[4], row[5]
    clip = make_clip(tmp_path)
    for bad in (low - 1, high + 1, -(1 << 40), 1 << 40, "%d.5" % low, "x%d" % low):
        before = clip.state()
        reply = clip.feed(frame("SET %s %s" % (key, bad)))
        assert reply and reply[0] is not None and reply[0].startswith("ERR value"), (bad, reply)
        assert clip.state() == before
    for good in (low, high):
        reply = clip.feed(frame("SET %s %d" % (key, good)))
        assert reply == ["SET %s %d" % (key, good)]
        assert getattr(clip.settings, attr) == good
        assert clip.feed(frame("GET " + key)) == ["GET %s %d" % (key, good)]
    text = (tmp_path / "log" / "settings.txt").read_text()
    assert text == "%s=%d\n" % (key, high)            # exactly the allow-listed key, nothing else


@pytest.mark.parametrize("row", [r for r in SPEC if r[2] != INT and r[4] is not None], ids=lambda r: r[0])
def test_set_of_a_word_takes_only_its_listed_words(tmp_path: Path, row: tuple) -> None:
    key, attr, default, allowed = row[0], row[1], row[3], row[4]
    clip = make_clip(tmp_path)
    for bad in ("x", allowed[0].upper() + "X", allowed[-1] + "_", "1"):
        if bad in allowed:
            continue
        reply = clip.feed(frame("SET %s %s" % (key, bad)))
        assert reply[0] is not None and reply[0].startswith("ERR value"), reply
    assert getattr(clip.settings, attr) == default
    for word in allowed:
        assert clip.feed(frame("SET %s %s" % (key, word))) == ["SET %s %s" % (key, word)]


# ---- noise mixed into a session ---------------------------------------------------------
VALID = ["HELLO", "STATUS", "SYNC 0 4", "SYNC 20", "ACK 3", "ACK 12", "ERASE 3", "ERASE 12",
         "GET POSTURE_REMIND_S", "SET POSTURE_REMIND_S 60", "SET POSTURE_SLOUCH_DEG 20",
         "SET POSTURE_HAPTIC digital", "CALIBRATE", "LIVE off"]


def _corrupt_crc(body: str) -> bytes:
    line = frame(body)
    flip = line[-2:-1] == b"0" and b"1" or b"0"
    return line[:-2] + flip + b"\n"


JUNK = st.one_of(
    st.sampled_from(VALID).map(_corrupt_crc),                                     # bad CRC
    st.sampled_from(VALID).map(lambda b: frame(b)[:-1].replace(b"*", b"#", 1) + b"\n"),
    st.sampled_from(VALID).map(lambda b: b.encode() + b"\n"),                     # no CRC at all
    st.integers(MAX_LINE, 4 * MAX_LINE).map(lambda n: b"S" * n + b"\n"),          # oversized
    st.integers(MAX_LINE, 300).map(lambda n: frame("SET POSTURE_SLOUCH_DEG 20" + " " * n)),
    st.sampled_from(["NOPE", "SYNC", "SET POSTURE_REMIND_S 5", "ACK 999", "ERASE 25",
                     "GET nope"]).map(frame),                                        # refused
    st.binary(min_size=1, max_size=120).map(lambda b: b.replace(b"\n", b"") + b"\n"),
)
ITEMS = st.lists(st.one_of(st.sampled_from(VALID).map(lambda b: ("ok", b)),
                           JUNK.map(lambda j: ("junk", j))), max_size=14)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])]


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(items=ITEMS, cuts=st.lists(st.integers(0, 10_000), max_size=10))
def test_noise_changes_nothing_the_valid_lines_would_not(tmp_path_factory: pytest.TempPathFactory,
                                                         items: list, cuts: list[int], cases) -> None:
    noisy = make_clip(tmp_path_factory.mktemp("noisy"))
    clean = make_clip(tmp_path_factory.mktemp("clean"))
    stream = b"".join(frame(x) if kind == "ok" else x for kind, x in items)
    replies: list[str | None] = []
    for piece in _split(stream, cuts):             # arbitrary chunk boundaries, as USB delivers
        replies += noisy.feed(piece, polls=3)
    replies += noisy.feed(b"", polls=60)
    for kind, body in items:
        if kind == "ok":
            clean.feed(frame(body), polls=60)
    a, b = noisy.state(), clean.state()
    assert a[:7] == b[:7]                           # seqs, acked, buffer, settings, overrides, calibrations
    assert {k: v for k, v in a[7].items() if not k.endswith(("state0.bin", "state1.bin"))} == \
        {k: v for k, v in b[7].items() if not k.endswith(("state0.bin", "state1.bin"))}
    assert all(r is not None for r in replies)      # every reply is a well-formed line
    junk_lines = sum(1 for kind, _x in items if kind == "junk")
    errs = sum(1 for r in replies if r.startswith("ERR "))
    valid_errs = sum(1 for r in clean.ch.lines() if r and r.startswith("ERR "))
    assert errs >= junk_lines - sum(1 for kind, x in items if kind == "junk" and not x.strip())
    assert errs >= valid_errs
    cases()


def test_a_flood_without_newlines_is_bounded(tmp_path: Path) -> None:
    clip = make_clip(tmp_path)
    before = clip.state()
    rng = random.Random(3)
    for _ in range(200):                            # 200 KB without a line end
        clip.feed(bytes(rng.randrange(256) for _ in range(1024)).replace(b"\n", b" "), polls=8)
        assert len(clip.proto.rx) <= MAX_LINE
    replies = clip.feed(b"\n" + frame("HELLO"))
    assert replies[0] is not None and replies[0].startswith("ERR long")
    assert replies[1] is not None and replies[1].startswith("HELLO id=FAULT01")
    assert clip.state()[:7] == before[:7]


def test_a_usb_link_that_fails_under_the_clip_never_stops_its_loop(tmp_path: Path) -> None:
    clip = make_clip(tmp_path)

    def broken(*_args: object) -> int:
        raise OSError(5, "Input/output error")
    clip.ch.incoming += frame("HELLO")
    for what in ("read", "write", "in_waiting"):
        saved = clip.ch.__class__.__dict__[what]
        setattr(clip.ch.__class__, what, property(broken) if what == "in_waiting" else broken)
        try:
            clip.proto.tx = bytearray(b"pending reply\n")
            for _ in range(5):
                clip.now += 10
                clip.proto.poll(clip.now)     # must not raise: the loop also drives the alerts
        finally:
            setattr(clip.ch.__class__, what, saved)
    clip.ch.incoming.clear()
    clip.ch.out.clear()
    assert clip.feed(b"\n" + frame("HELLO"))[-1].startswith("HELLO id=FAULT01")


# ---- SET values that would disable the clip (issue 11: safe settings) ---------------------
# On the whole simulated clip (the real boot.py/code.py, driver and emulator), over its data
# channel: the clip itself refuses, because only it knows its board's pins and its bus.

UNSAFE_SETS = [
    ("POSTURE_HAPTIC_PIN", "SCL", "SCL is a pin of the IMU's I2C bus"),
    ("POSTURE_HAPTIC_PIN", "SDA", "SDA is a pin of the IMU's I2C bus"),
    ("POSTURE_HAPTIC_PIN", "BUTTON", "the motor and the button cannot share pin BUTTON"),
    ("POSTURE_HAPTIC_PIN", "D99", "this board has no pin D99"),
    ("POSTURE_BUTTON_PIN", "SDA", "SDA is a pin of the IMU's I2C bus"),
    ("POSTURE_BUTTON_PIN", "A0", "the motor and the button cannot share pin A0"),
    ("POSTURE_BUTTON_PIN", "D42", "this board has no pin D42"),
    ("POSTURE_IMU_ADDRESS", "0x6B", "nothing answers at 0x6B on the I2C bus (found: 0x6A)"),
    ("POSTURE_HAPTIC", "drv2605", "no DRV2605 answers at 0x5A"),
    ("POSTURE_WAKE_PIN", "BUTTON", "BUTTON is the button's pin"),
    ("POSTURE_WAKE_PIN", "SCL", "SCL is a pin of the IMU's I2C bus"),
    ("POSTURE_BATTERY_PIN", "A0", "A0 is the motor's pin"),
    ("POSTURE_BATTERY_PIN", "D77", "this board has no pin D77"),
]


def _overrides_file(dev) -> bytes | None:
    path = Path(dev.fs_dir) / "log" / "settings.txt"
    return path.read_bytes() if path.exists() else None


def test_a_set_that_would_disable_the_clip_is_refused_and_changes_nothing(cases) -> None:  # type: ignore[no-untyped-def]
    from .helpers import device, first, recording, talk

    # upright through the SETs and the restart (about 50 s), then a slouch the clip must catch
    with device(recording([("upright", 80), ("slouch", 60, {"flex": 30}), ("upright", 20)])) as dev:
        dev.run_for(3)
        before = {key: talk(dev, "GET " + key) for key, _v, _w in UNSAFE_SETS}
        for key, value, why in UNSAFE_SETS:
            reply = talk(dev, "SET %s %s" % (key, value))
            assert len(reply) == 1 and reply[0].startswith("ERR value %s = %s refused: " % (key, value)), reply
            assert why in reply[0], reply
            assert talk(dev, "GET " + key) == before[key]
            assert _overrides_file(dev) is None   # nothing was saved
            cases(1)
        # a harmless pin is still taken: the check refuses only what disables the clip
        assert talk(dev, "SET POSTURE_HAPTIC_PIN D9") == ["SET POSTURE_HAPTIC_PIN D9"]
        assert _overrides_file(dev) == b"POSTURE_HAPTIC_PIN=D9\n"
        assert talk(dev, "SET POSTURE_HAPTIC_PIN -") == ["SET POSTURE_HAPTIC_PIN -"]
        # after a restart the clip still senses: it calibrates and alerts on the slouch
        assert dev.clock.now_ms < 60_000
        dev.power_cut()
        dev.run_for(140 - dev.clock.now_ms / 1000)
        assert "the IMU was not found" not in dev.console_text()
        first(dev, "calibrated")
        first(dev, "slouch_alert")


SLIPPED = [  # written straight into the overrides file (an older firmware, a hand edit)
    ("POSTURE_HAPTIC_PIN", "SCL", "SCL is a pin of the IMU's I2C bus"),
    ("POSTURE_BUTTON_PIN", "SDA", "SDA is a pin of the IMU's I2C bus"),
    ("POSTURE_IMU_ADDRESS", "0x6B", "no IMU answers with it"),
]


@pytest.mark.parametrize("key,value,why", SLIPPED, ids=[s[0] for s in SLIPPED])
def test_an_override_that_slipped_through_is_dropped_at_start_and_the_clip_alerts(
        key: str, value: str, why: str, cases) -> None:  # type: ignore[no-untyped-def]
    from firmware import events, record
    from firmware.haptics import ERROR

    from .helpers import alert_pattern_played, device, first, recording, sync_all, talk

    with device(recording([("upright", 25), ("slouch", 60, {"flex": 30}), ("upright", 20)])) as dev:
        (Path(dev.fs_dir) / "log").mkdir()
        (Path(dev.fs_dir) / "log" / "settings.txt").write_text("POSTURE_SLOUCH_DEG=20\n%s=%s\n" % (key, value))
        dev.run_for(100)
        text = dev.console_text()
        said = [line for line in text.splitlines() if "dropped" in line]
        assert len(said) == 1 and key in said[0] and "set over USB" in said[0] and why in said[0], text
        assert "the IMU was not found" not in text
        status = talk(dev, "STATUS")[0]
        assert " sensor=ok " in status and status.endswith(" dropped=" + key), status
        recs = sync_all(dev)
        errors = [r[4] for r in recs if r[0] == record.T_EVENT and r[4][1] == events.ERROR]
        index = [row[0] for row in SPEC].index(key)
        assert [(e[2], e[3]) for e in errors] == [(events.ERR_SETTING_DROPPED, index)]
        # the clip still senses and alerts; the error pattern played once at start
        first(dev, "calibrated")
        first(dev, "slouch_alert")
        assert alert_pattern_played(dev) >= 1
        spans = dev.vibrations()
        # the first vibrations, before the calibration buzz: the error pattern's five short pulses
        # (each as long as the loop's 38 ms period lets it be)
        early = [(s, e) for s, e in spans if s < 5000]
        assert len(early) == len(ERROR[0::2]) and all(30 <= e - s <= 120 for s, e in early), spans
        # the value is gone from the overrides; the harmless one stays
        assert _overrides_file(dev) == b"POSTURE_SLOUCH_DEG=20\n"
        cases(1)


def test_config_shows_the_clips_refusal_and_exits_2(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from types import SimpleNamespace

    from firmware import boards, wiring
    from firmware.settings import Settings
    from host.cli import main
    from host.sim.fakes.pins import PINS
    from host.sim.ptydevice import PtyDevice

    with PtyDevice(str(tmp_path / "log")) as dev:
        # the check wiring.main hands the protocol on a QT Py RP2040 (no bus to scan here)
        dev.protocol.check_set = wiring.check_set_for(SimpleNamespace(**PINS),
                                                      boards.defaults("adafruit_qtpy_rp2040"), Settings())
        assert main(["config", "--port", dev.port, "POSTURE_HAPTIC_PIN", "SCL"]) == 2
        out, err = capsys.readouterr()
        assert out == "" and "Traceback" not in err
        assert err.strip() == ("posture: error: the clip refused POSTURE_HAPTIC_PIN = SCL: SCL is a pin of "
                               "the IMU's I2C bus. Nothing was changed")
        assert main(["config", "--port", dev.port, "POSTURE_HAPTIC_PIN", "D9"]) == 0
    assert (tmp_path / "log" / "settings.txt").read_text() == "POSTURE_HAPTIC_PIN=D9\n"
