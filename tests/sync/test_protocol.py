"""The clip's protocol handler: replies, refusals, and garbage that changes nothing."""

from __future__ import annotations

import os

from hypothesis import given, settings, strategies as st

from fakechannel import FakeChannel
from firmware import events, record
from firmware.log import Log
from firmware.overrides import Overrides
from firmware.protocol import MAX_LINE, Protocol, frame, unframe
from firmware.storage import Storage


def make(tmp: str, records: int = 50, **kw: object) -> tuple[Protocol, FakeChannel, Log]:
    store = Storage(tmp, os, open)
    log = Log(store)
    for i in range(records):
        log.minute((i * 60000, 60, 50, 5, 5, 0, 100, 200, 0))
    log.flush()
    ch = FakeChannel(kw.pop("write_limit", None))  # type: ignore[arg-type]
    proto = Protocol(ch, log, "TESTID", "1.0", overrides=Overrides(store), **kw)  # type: ignore[arg-type]
    return proto, ch, log


def run(proto: Protocol, ch: FakeChannel, body: str | bytes, polls: int = 50) -> list[str | None]:
    if isinstance(body, str):
        ch.send(body)
    else:
        ch.incoming += body
    for i in range(polls):
        proto.poll(1000 + i)
    return ch.lines()


def state(proto: Protocol, log: Log, tmp: str) -> tuple:
    files = {n: open(os.path.join(tmp, n), "rb").read() for n in sorted(os.listdir(tmp))}
    return (log.next_seq, log.acked, log.first_seq(), bytes(log.buf), proto.live_on,
            proto.reader is None, dict(proto.overrides.values), files)  # type: ignore[union-attr]


def test_frame_round_trip_and_corruption() -> None:
    line = frame("SYNC 12 100")
    assert line.endswith(b"\n") and unframe(line[:-1]) == "SYNC 12 100"
    assert unframe(line[:-1].replace(b"12", b"13")) is None
    assert unframe(b"SYNC 12 100") is None
    assert unframe(line[:-2]) is None


def test_hello_status_and_sync(tmp_path) -> None:
    proto, ch, log = make(str(tmp_path))
    hello = run(proto, ch, "HELLO")[0]
    assert hello is not None and hello.startswith("HELLO id=TESTID fw=1.0")
    assert "first=0 next=50 acked=-1" in hello
    status = run(proto, ch, "STATUS")[0]
    assert status is not None and "segments=1" in status and "dropped=0" in status
    lines = run(proto, ch, "SYNC 10 25")
    recs = [bytes.fromhex(x[2:]) for x in lines if x and x.startswith("R ")]
    assert [record.decode(r)[1] for r in recs] == list(range(10, 35))
    assert lines[-1] == "END 25 35"
    assert run(proto, ch, "ACK 34") == ["OK ACK 34"]
    assert log.acked == 34


def test_sync_survives_a_channel_that_takes_a_few_bytes_at_a_time(tmp_path) -> None:
    proto, ch, _log = make(str(tmp_path), write_limit=7)
    lines = run(proto, ch, "SYNC 0", polls=3000)
    assert len([x for x in lines if x and x.startswith("R ")]) == 50
    assert lines[-1] == "END 50 50"


def test_time_anchor_is_logged(tmp_path) -> None:
    proto, ch, log = make(str(tmp_path))
    reply = run(proto, ch, "TIME 1760000000")[0]
    assert reply is not None and reply.startswith("TIME boot=%d ms=1000 seq=50" % log.boot)
    lines = run(proto, ch, "SYNC 50")
    rec = record.decode(bytes.fromhex(lines[0][2:]))  # type: ignore[index]
    assert rec[0] == record.T_TIME and rec[4] == 1760000000 and rec[3] == 1000


def test_wrong_order_and_bad_arguments_are_refused(tmp_path) -> None:
    proto, ch, log = make(str(tmp_path))
    before = state(proto, log, str(tmp_path))
    for body in ("ERASE 10", "ACK 50", "ACK -1", "ACK 99999999999", "SYNC", "SYNC x", "SYNC 1 0",
                 "TIME 12", "LIVE maybe", "GET", "GET NOT_A_KEY", "SET POSTURE_SLOUCH_DEG 99",
                 "SET POSTURE_SLOUCH_DEG abc", "SET NOPE 1", "HELLO extra", "CALIBRATE",
                 "FORMAT /", "__import__('os')", "hello"):
        reply = run(proto, ch, body)
        assert len(reply) == 1 and reply[0] is not None and reply[0].startswith("ERR "), body
    assert state(proto, log, str(tmp_path)) == before


def test_oversized_and_corrupt_lines(tmp_path) -> None:
    proto, ch, log = make(str(tmp_path))
    before = state(proto, log, str(tmp_path))
    long_body = "SET POSTURE_SLOUCH_DEG 20 " + "x" * MAX_LINE
    assert run(proto, ch, long_body)[0].startswith("ERR long")  # type: ignore[union-attr]
    assert run(proto, ch, b"x" * 1000 + b"\n")[0].startswith("ERR long")  # type: ignore[union-attr]
    bad = bytearray(frame("ACK 10"))
    bad[4] ^= 1
    assert run(proto, ch, bytes(bad))[0].startswith("ERR crc")  # type: ignore[union-attr]
    assert state(proto, log, str(tmp_path)) == before
    assert run(proto, ch, "ACK 10") == ["OK ACK 10"]  # and the next good line works


def test_set_is_validated_persisted_and_applied(tmp_path) -> None:
    applied = []
    proto, ch, _log = make(str(tmp_path), on_set=lambda k, v: applied.append((k, v)))
    assert run(proto, ch, "SET POSTURE_SLOUCH_DEG 20") == ["SET POSTURE_SLOUCH_DEG 20"]
    assert run(proto, ch, "GET POSTURE_SLOUCH_DEG") == ["GET POSTURE_SLOUCH_DEG 20"]
    assert run(proto, ch, "SET POSTURE_HAPTIC_PIN -") == ["SET POSTURE_HAPTIC_PIN -"]
    assert applied == [("POSTURE_SLOUCH_DEG", 20), ("POSTURE_HAPTIC_PIN", "")]
    again = Overrides(Storage(str(tmp_path), os, open))
    assert again.get("POSTURE_SLOUCH_DEG") == 20
    assert again.getenv(lambda k: "7")("POSTURE_REMIND_S") == "7"
    assert not os.path.exists(tmp_path / "settings.toml")


def test_erase_after_ack(tmp_path) -> None:
    proto, ch, log = make(str(tmp_path), records=0)
    for i in range(2000):
        log.event((i, events.SLOUCH_START, 150, 0))
    log.flush()
    assert len(log.segments) > 2
    assert run(proto, ch, "ACK 1500") == ["OK ACK 1500"]
    reply = run(proto, ch, "ERASE 1500")[0]
    assert reply is not None and reply.startswith("OK ERASE ")
    erased = int(reply.split()[2])
    assert 0 < erased <= 1500 and log.first_seq() == erased + 1


def test_live_lines_a_few_times_a_second(tmp_path) -> None:
    proto, ch, _log = make(str(tmp_path), live=lambda: (153, -20, "slouch"))
    assert run(proto, ch, "LIVE on", polls=1)[0] == "OK LIVE on"
    for t in range(0, 1000, 10):
        proto.poll(2000 + t)
    lines = ch.lines()
    assert 3 <= len(lines) <= 5
    assert all(x is not None and x.startswith("L ") and x.endswith(" 153 -20 slouch") for x in lines)
    run(proto, ch, "LIVE off")
    for t in range(0, 1000, 10):
        proto.poll(4000 + t)
    assert ch.lines() == []


def test_calibrate_calls_the_hook(tmp_path) -> None:
    calls = []
    proto, ch, _log = make(str(tmp_path), calibrate=lambda: calls.append(1))
    assert run(proto, ch, "CALIBRATE") == ["OK CALIBRATE next=50"]
    assert calls == [1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_random_bytes_never_crash_and_change_nothing(chunks: list[bytes]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        proto, ch, log = make(tmp, records=5)
        before = state(proto, log, tmp)
        for chunk in chunks:
            ch.incoming += chunk
            proto.poll(5)
        ch.incoming += b"\n"
        proto.poll(6)
        assert state(proto, log, tmp) == before
        assert all(x is None or x.startswith("ERR ") for x in ch.lines())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["HELLO", "STATUS", "SYNC 0 3", "ACK 2", "ERASE 2", "LIVE on",
                                 "LIVE off", "TIME 1760000000", "GET POSTURE_REMIND_S",
                                 "SET POSTURE_REMIND_S 60", "ACK 4", "SYNC 99"]), max_size=12))
def test_valid_lines_in_any_order_never_crash(bodies: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        proto, ch, log = make(tmp, records=5)
        for body in bodies:
            run(proto, ch, body, polls=3)
        assert log.acked <= 4
        assert log.first_seq() <= max(log.acked, 0) + 1


def test_a_host_that_stops_reading_mid_sync_frees_the_stream(tmp_path) -> None:
    proto, ch, _log = make(str(tmp_path), records=300, write_limit=0)
    ch.send("SYNC 0")
    for t in range(0, 9000, 20):
        proto.poll(t)
    assert proto.reader is not None and proto.tx  # waiting for the host
    for t in range(9000, 12000, 20):
        proto.poll(t)
    assert proto.reader is None and proto.tx == b""  # given up after 10 s without progress
    ch.write_limit = None
    assert run(proto, ch, "HELLO")[0].startswith("HELLO ")  # type: ignore[union-attr]


def test_hello_from_a_newer_host_naming_its_protocol_gets_the_same_reply(tmp_path) -> None:
    """A newer host may say `HELLO proto=N`: the clip answers its usual HELLO (its proto= lets
    that host decide); a word other than one proto=<digits> is still refused."""
    proto, ch, log = make(str(tmp_path))
    plain = run(proto, ch, "HELLO")
    assert len(plain) == 1 and plain[0] is not None and " proto=1 " in plain[0]
    assert run(proto, ch, "HELLO proto=2") == plain
    before = state(proto, log, str(tmp_path))
    for body in ("HELLO proto=", "HELLO proto=x", "HELLO proto=2 extra", "HELLO PROTO=2"):
        reply = run(proto, ch, body)
        assert len(reply) == 1 and reply[0] is not None and reply[0].startswith("ERR args"), body
    assert state(proto, log, str(tmp_path)) == before
