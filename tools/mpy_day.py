"""MicroPython side of tools/mpy_budget.measure_day(): the board's stack through a recorded day.

Runs under the WebAssembly MicroPython (tools/mpy_run.mjs --loop step). Built as
firmware/wiring.main builds it: settings through the SET overrides, the durable
log in /log (the port's in-memory filesystem stands in for the flash),
datalink.start() with a USB data channel that exists but carries nothing (a clip on
a desk's USB cable, or on its cell with the data channel enabled by boot.py), the
real adafruit_lsm6ds driver on a register-file I2C fake, ImuSensor, PostureDetector,
Player and Monitor, on a flash that already holds weeks of unsynced log (copied to /log by
tools/mpy_budget.measure_day). After the day, a host connects: HELLO, then SYNC <from>
SYNC_CHUNK after each END until one brings nothing (the peak while syncing).

This port collects garbage only between top-level calls, so each call does one
chunk, and the live heap is read at the start of a call, right after the
collection the previous call asked for. gc.mem_alloc() around each Monitor.step()
gives the allocation within one sample. Prints one RESULT line of JSON.

Parameters come from the module `mpy_day_params` (written by the caller):
START_TICKS, SAMPLES_PER_HOUR, CHUNK, PER_STEP, SYNC_CHUNK. gc.mem_alloc() walks the whole heap
(about 50 us here, more than a step), so with PER_STEP false only each chunk's
total allocation is read, the harness's own included (step_alloc_max stays -1): the
run is 2-3 times faster. What one step allocates does not depend on the form the code
was loaded from (tests/device/test_mpy_budget.py checks it), so a "py" run with
PER_STEP gives it for both.
"""

import binascii  # noqa: F401  (a Python module in this port, built in on CircuitPython: baseline)
import gc
import struct
import sys
import time

import mpy_day_params as P

import mpy_board

ticks_us = time.ticks_us        # the real clock, kept before the simulated time module goes in
ticks_diff_us = time.ticks_diff
gc.collect()
clock = mpy_board.Clock(P.START_TICKS)
sys.modules["time"] = mpy_board.TimeModule(clock)   # the driver sleeps on the simulated clock
st = {"phase": 0, "n": 0, "live_max": 0, "step_alloc_max": 0, "step_alloc_sum": 0, "step_us": 0,
      "hourly": [0] * 200, "hours_seen": 0, "events": 0,   # preallocated: the harness must not grow
      "segments_hourly": [0] * 200, "pending_hour": False,
      "sync_live_max": 0, "poll_alloc_max": 0, "sync_records": 0, "sync_polls": 0, "sync_peak": 0,
      "sync_requests": 1}
buf = bytearray(28)
objs = {}
START_ONLY = ("sleep", "integrity")   # loaded by wiring.main while starting, then dropped


class Channel:
    """usb_cdc.data as the protocol sees it: reads what the host sent, counts what it writes."""

    def __init__(self):
        self.rx = b""
        self.timeout = 0
        self.write_timeout = 0
        self.written = 0
        self.tail = b""        # the last bytes written, to see the END line
        self.lines = 0

    @property
    def in_waiting(self):
        return len(self.rx)

    def read(self, n):
        data = self.rx[:n]
        self.rx = self.rx[n:]
        return data

    def write(self, data):
        self.written += len(data)
        self.lines += data.count(b"\n")
        self.tail = bytes(data[-64:])
        return len(data)


class UsbCdc:
    def __init__(self, data):
        self.data = data


def host_line(body):
    """One framed line as the laptop sends it (firmware/protocol.py's format, built here so
    the harness itself never imports the protocol module)."""
    from firmware.crc import crc16

    return (body + "*%04X\n" % crc16(body.encode())).encode()


def on_event(_e):
    st["events"] += 1


def say(_text):
    pass


def _setup():
    import os

    from adafruit_lsm6ds.lsm6dsox import LSM6DSOX

    from firmware import datalink
    from firmware.detector import PostureDetector
    from firmware.haptics import Player
    from firmware.monitor import Monitor
    from firmware.sensor import ImuSensor
    from firmware.settings import load
    store = datalink.open_storage(os, open)
    overrides = datalink.overrides_for(store)
    getenv = overrides.getenv(lambda _k: None) if overrides is not None else (lambda _k: None)
    settings = load(getenv, say)
    chip = mpy_board.LSM6DSRegisters(clock)
    i2c = mpy_board.FakeI2C(chip)
    motor = mpy_board.CountingMotor(clock)
    det = PostureDetector(settings)
    usb = Channel()
    usb_cdc = UsbCdc(usb)
    log, proto = datalink.start(store, usb_cdc, det, settings, overrides, "bench", "0", say)
    if log is not None:
        from firmware import events as ev
        log.event((clock.ticks_ms(), ev.BOOT, log.boot, 0))
    sensor = ImuSensor(lambda: LSM6DSOX(i2c, 0x6A), clock)
    mon = Monitor(det, Player(motor, settings.haptic_strength), sensor=sensor, clock=clock, log=log,
                  pollers=[proto] if proto is not None else [], on_event=on_event)
    objs.update(chip=chip, i2c=i2c, motor=motor, mon=mon, usb=usb, proto=proto, log=log,
                f=open("/data/day.bin", "rb"))


def step():
    live = gc.mem_alloc()
    phase = st["phase"]
    if phase == 0:
        st["baseline"] = live
        from adafruit_lsm6ds.lsm6dsox import LSM6DSOX  # noqa: F401

        # wiring.main loads the start-up modules and drops them once the clip runs; the names
        # they interned stay in MicroPython's qstr table all day, so they are loaded here too
        import firmware
        from firmware import wiring  # noqa: F401  (what code.py imports: the board's modules)
        for name in START_ONLY:
            __import__("firmware." + name)
            sys.modules.pop("firmware." + name, None)
            if hasattr(firmware, name):
                delattr(firmware, name)
        st["phase"] = 1
    elif phase == 1:
        st["loaded"] = live
        _setup()
        st["phase"] = 2
    elif phase in (2, 3):
        if phase == 2:
            st["built"] = live
            st["phase"] = 3
            st["t_start_ms"] = clock.elapsed_ms
        _day_chunk(live)
    else:
        if not _sync_chunk(live):
            _finish()
            return False
    gc.collect()
    return True


def _day_chunk(live):
    if live > st["live_max"]:
        st["live_max"] = live
    n = st["n"]
    # Hourly reading: at the first chunk of the hour that starts with the log's batch buffer
    # empty (just after a flush), so the records waiting for the next batch (up to 1 KB, ten
    # minutes' worth) do not show as growth; taken anyway if the hour passes without one.
    log = objs["log"]
    idle = log is None or (not log.buf and not log.ram)
    if n % P.SAMPLES_PER_HOUR == 0:
        if st["pending_hour"]:
            _hourly(live)
        st["pending_hour"] = True
    if st["pending_hour"] and idle:
        _hourly(live)
    chip = objs["chip"]
    mon = objs["mon"]
    f = objs["f"]
    done = 0
    step_max = st["step_alloc_max"]
    step_sum = 0
    step_us = 0
    if P.PER_STEP:
        while done < P.CHUNK and f.readinto(buf) == 28:
            t, ax, ay, az, gx, gy, gz = struct.unpack_from("<Iffffff", buf, 0)
            clock.set_ticks(t)
            chip.load(ax, ay, az, gx, gy, gz)
            a = gc.mem_alloc()
            t0 = ticks_us()
            mon.step()
            step_us += ticks_diff_us(ticks_us(), t0)
            d = gc.mem_alloc() - a
            step_sum += d
            if d > step_max:
                step_max = d
            done += 1
    else:
        step_max = -1
        a = gc.mem_alloc()
        while done < P.CHUNK and f.readinto(buf) == 28:
            t, ax, ay, az, gx, gy, gz = struct.unpack_from("<Iffffff", buf, 0)
            clock.set_ticks(t)
            chip.load(ax, ay, az, gx, gy, gz)
            t0 = ticks_us()
            mon.step()
            step_us += ticks_diff_us(ticks_us(), t0)
            done += 1
        step_sum = gc.mem_alloc() - a   # harness included (it boxes floats): not per step
    st["n"] = n + done
    st["step_alloc_max"] = step_max
    st["step_alloc_sum"] += step_sum
    st["step_us"] += step_us
    if done < P.CHUNK:
        if objs["log"] is not None:
            objs["log"].flush()   # the day's last batch (the host's SYNC would flush it first anyway)
        chip.flush_modes()
        st["sim_ms"] = clock.elapsed_ms - st["t_start_ms"]
        objs["f"].close()
        del objs["f"]
        st["phase"] = 4
        st["before_sync"] = live


def _hourly(live):
    st["hourly"][st["hours_seen"]] = live   # hour 0 (just set up), 1, 2, ...
    st["hours_seen"] += 1
    st["pending_hour"] = False
    log = objs["log"]
    st["segments_hourly"][st["hours_seen"] - 1] = len(log.segments) if log is not None else 0


def _sync_chunk(live):
    """Poll the protocol as the Monitor does, 40 ms apart, one poll a call (only between calls
    is garbage collected). The host asks SYNC <from> SYNC_CHUNK again after each END, as
    host/sync.py does, until an END brings nothing: the backlog and the day, every record.
    sync_peak: the largest live heap before a poll plus what that poll allocated."""
    proto = objs["proto"]
    usb = objs["usb"]
    if st["pending_hour"]:
        _hourly(live)   # the day's end, after its last batch went out
    if "day_modules" not in st:   # what the day needed, before the host connects
        st["day_modules"] = sorted(m for m in sys.modules if m.startswith(("firmware", "adafruit")))
        if proto is not None:
            usb.rx = host_line("HELLO") + host_line("SYNC 0 %d" % P.SYNC_CHUNK)
        return True
    if proto is None or st["sync_polls"] > 200000:
        return False
    if live > st["sync_live_max"]:
        st["sync_live_max"] = live
    clock.sleep_ms(40)
    a = gc.mem_alloc()
    proto.poll(clock.ticks_ms())
    d = gc.mem_alloc() - a
    if d > st["poll_alloc_max"]:
        st["poll_alloc_max"] = d
    if live + d > st["sync_peak"]:
        st["sync_peak"] = live + d
    st["sync_polls"] += 1
    tail = usb.tail
    k = tail.rfind(b"END ")
    if k >= 0 and (k == 0 or tail[k - 1] == 10) and tail.endswith(b"\n"):
        words = tail[k:].split(b"*")[0].split()
        usb.tail = b""
        if int(words[1]) == 0:
            st["sync_records"] = usb.lines - 1 - st["sync_requests"]   # less HELLO and the END lines
            return False
        st["sync_requests"] += 1
        usb.rx = host_line("SYNC %d %d" % (int(words[2]), P.SYNC_CHUNK))
    return True


def _finish():
    chip = objs["chip"]
    motor = objs["motor"]
    i2c = objs["i2c"]
    st["modes"] = [["%d-%d-%d-%d" % k, v] for k, v in chip.mode_ms.items()]
    st["motor_on_ms"] = motor.on_ms
    st["motor_duty_ms"] = motor.duty_ms
    st["motor_starts"] = motor.starts
    st["i2c_bytes"] = i2c.bytes
    st["i2c_transactions"] = i2c.transactions
    st["hourly"] = st["hourly"][:st["hours_seen"]]
    st["segments_hourly"] = st["segments_hourly"][:st["hours_seen"]]
    log = objs["log"]
    if log is not None:
        # The log keeps one [num, first_seq, size] entry per flash segment (up to max_segments):
        # what a full table holds, measured here, is bounded growth the day does not reach.
        gc.collect()
        a = gc.mem_alloc()
        table = [[i, i, i] for i in range(log.max_segments)]
        st["segment_table_full"] = gc.mem_alloc() - a
        st["segments_max"] = log.max_segments
        st["segments_end"] = len(log.segments)
        del table
    st["sync_bytes"] = objs["usb"].written
    st["sync_modules"] = sorted(m for m in sys.modules if m.startswith(("firmware", "adafruit")))
    st["log_next_seq"] = objs["log"].next_seq if objs["log"] is not None else 0
    import json

    import micropython
    micropython.qstr_info()   # one line, read by measure_day: the interned-name table at the end
    print("RESULT " + json.dumps(st))
