# Power (issue 14): switching off what the clip does not use, a slower CPU on the cell, and
# deep sleep off the body. Loaded while the clip starts (power_down, desk_sleep, woke,
# started) and dropped from RAM after (firmware/wiring.py), then loaded again only when the
# clip goes to sleep (go), so none of it takes RAM while the clip is worn. (Notes are comments, not
# docstrings: MicroPython keeps a loaded module's docstrings in RAM.)
#
# Going to sleep: the IMU's wake-up interrupt is armed by raw register writes through the
# driver's i2c_device (adafruit_lsm6ds does not expose it), the posture frame is kept in
# alarm.sleep_memory, a SLEEP event (a = 1) is logged and flushed, and the board sleeps
# until INT1 rises (alarm.pin.PinAlarm). A pick-up raises INT1: the board restarts
# (boot.py, code.py), and `woke` gives the kept frame back to the detector as a re-wear,
# so it takes a new frame at the next still moment without calibrating into a slouch
# (firmware/detector.py, _rewear_second), and logs SLEEP (a = 0).
#
# Registers (ST datasheets DS12814 LSM6DSOX, DS11871 LSM6DS3TR-C, DS11024 LSM6DS33; the
# addresses are common to the family, the enable and latch bits are not):
#   CTRL1_XL 0x10     ODR_XL 7:4, FS_XL 3:2 (00 = +-2 g)
#   CTRL2_G 0x11      0: gyro powered down
#   WAKE_UP_SRC 0x1B  WU_IA bit 3; reading it clears a latched event
#   TAP_CFG0 0x56     LSM6DSOX / ISM330DHCX only: LIR bit 0 (latched), SLOPE_FDS bit 4 (0: slope)
#   TAP_CFG 0x58      LSM6DS3TR-C: INTERRUPTS_ENABLE bit 7, LIR bit 0; LSM6DS33: LIR bit 0 (no
#                     enable bit); LSM6DSOX / ISM330DHCX (TAP_CFG2): INTERRUPTS_ENABLE bit 7
#   WAKE_UP_THS 0x5B  WK_THS 5:0, 1 LSB = full scale / 64
#   WAKE_UP_DUR 0x5C  WAKE_DUR 6:5, in ODR periods
#   MD1_CFG 0x5E      INT1_WU bit 5: the wake-up event on INT1
# The event is latched, so INT1 stays high until read: the pin alarm cannot miss a pulse.
#
# Wall time across the sleep. A wake is a new boot with new ticks, and the host places a
# boot's records only from a TIME anchor of that boot (docs/protocol.md), so without this every
# boot but the last of a day of desk sleeps would never reach the summaries. The IMU stays
# powered while the board sleeps and has a free-running timestamp counter on its own clock:
#   CTRL10_C 0x19     bit 5: TIMESTAMP_EN (LSM6DSOX, ISM330DHCX) / TIMER_EN (LSM6DS3TR-C)
#   TIMESTAMP0 0x40.. LSM6DSOX / ISM330DHCX: 32 bits (0x40-0x43), 25 us per LSB;
#                     LSM6DS3TR-C: 24 bits (0x40-0x42), 6.4 ms per LSB with WAKE_UP_DUR bit 4
#                     (TIMER_HR) at 0, as _DUR leaves it; both wrap after 29.8 h
#   TIMESTAMP2 0x42   writing 0xAA sets the count to 0
# A power-on or a software reset clears the enable bit (and the count). The LSM6DS33's timer
# sits elsewhere (TAP_CFG bit 7, which here is the latch's neighbour) and is not used: a clip
# with it wakes unanchored, as before. Before sleeping: the count is set to 0 and the wall
# time of this moment, from the boot's last anchor (host-made or itself carried), is kept in
# sleep_memory; a time alarm wakes the board after _SPAN_S anyway, well before the wrap. On
# wake, before the driver's reset: enable bit still set and count within the span -> a TIME
# record for the new boot through log.time_anchor; anything else -> no anchor (none is
# better than a wrong one). The oscillator's tolerance is the error: 1 % would be 36 s an hour.

import struct

from micropython import const

from firmware import events as ev

_CTRL1_XL = const(0x10)
_CTRL2_G = const(0x11)
_WAKE_UP_SRC = const(0x1B)
_TAP_CFG0 = const(0x56)
_TAP_CFG = const(0x58)
_WAKE_UP_THS = const(0x5B)
_WAKE_UP_DUR = const(0x5C)
_MD1_CFG = const(0x5E)
# 26 Hz, +-2 g during sleep: WK_THS 2 = 62.5 mg of slope (half the change between two
# samples), held two samples (WAKE_DUR 1): a hand lifting the clip, not a knock on the desk
_CTRL1_SLEEP = const(0x20)
_THS = const(2)
_DUR = const(0x20)
_MAGIC = const(0xC5)
_KEEP = "<Bfff"          # sleep_memory: magic, then the frame's up vector times g
_CTRL10_C = const(0x19)
_TIMESTAMP0 = const(0x40)
_TIMESTAMP2 = const(0x42)
_CLOCK = const(0xA7)
_WALL = "<BBIH"          # sleep_memory at 16: magic, counter (1: 32 bit 25 us, 2: 24 bit 6.4 ms),
                         # unix seconds and ms of the moment the count was set to 0
_AT = const(16)
_DAY = const(0xD4)
_DAYF = "<BII"           # sleep_memory at 24: magic, the day's seated seconds, ms since its last active minute
_DAY_AT = const(24)
_NEW_DAY_MS = const(14400000)   # as firmware/modes.py: 4 h without an active minute start a new day
_SPAN_S = const(82800)   # 23 h: the time alarm's wake, against the counters' 29.8 h wrap
# A minute summary is logged every minute awake, so fewer records than this since the anchor
# means less than 2.8 days: ticks_diff (right up to 3.1 days) still measures it
_MAX_RECORDS = const(4000)


def _put(dev, buf, reg, value):
    buf[0] = reg
    buf[1] = value
    with dev as bus:
        bus.write(buf)


def _get(dev, buf, reg):
    buf[0] = reg
    with dev as bus:
        bus.write_then_readinto(buf, buf, out_end=1, in_start=1)
    return buf[1]


def arm(drv):
    # Set up the IMU's wake-up interrupt on INT1; raises OSError when the chip does not answer.
    dev = drv.i2c_device
    buf = bytearray(2)
    chip = type(drv).__name__
    _put(dev, buf, _CTRL2_G, 0)
    _put(dev, buf, _CTRL1_XL, _CTRL1_SLEEP)
    if chip in ("LSM6DSOX", "ISM330DHCX"):
        _put(dev, buf, _TAP_CFG0, 0x01)
        _put(dev, buf, _TAP_CFG, 0x80)
    elif chip == "LSM6DS33":
        _put(dev, buf, _TAP_CFG, 0x01)
    else:
        _put(dev, buf, _TAP_CFG, 0x81)
    _put(dev, buf, _WAKE_UP_DUR, _DUR)
    _put(dev, buf, _WAKE_UP_THS, _THS)
    _put(dev, buf, _MD1_CFG, 0x20)
    _get(dev, buf, _WAKE_UP_SRC)      # clear an event latched while it was being put down


def _counter(drv):
    chip = type(drv).__name__
    return 1 if chip in ("LSM6DSOX", "ISM330DHCX") else 2 if chip == "LSM6DS3TRC" else 0


def keep_wall(drv, mem, log, now):
    # Start the IMU's counter from 0 and keep the wall time of `now` in sleep_memory, when the
    # boot has an anchor that ticks can still reach. True when kept.
    mem[_AT] = 0
    kind = _counter(drv)
    anchor = getattr(log, "anchor", None)
    if not kind or anchor is None:
        return False
    seq, t_ms, unix = anchor
    from firmware.ticks import ticks_diff
    ms = ticks_diff(now, t_ms)
    if ms < 0 or not 0 <= log.next_seq - seq < _MAX_RECORDS:
        return False
    dev = drv.i2c_device
    buf = bytearray(2)
    try:
        _put(dev, buf, _CTRL10_C, _get(dev, buf, _CTRL10_C) | 0x20)
        _put(dev, buf, _TIMESTAMP2, 0xAA)
    except (OSError, RuntimeError):
        return False
    struct.pack_into(_WALL, mem, _AT, _CLOCK, kind, unix + ms // 1000, ms % 1000)
    return True


def carry_wall(alarm, board, cfg, settings, log, ticks_ms):
    # After a deep sleep, before the driver resets the IMU: the new boot's TIME anchor from the
    # kept wall time and the IMU's count, or none. Returns the seconds slept, or None.
    mem = getattr(alarm, "sleep_memory", None)
    if mem is None or len(mem) < _AT + 8 or mem[_AT] != _CLOCK:
        return None
    mem[_AT] = 0          # used once: a later reset without a sleep must not reuse it
    if getattr(alarm, "wake_alarm", None) is None:
        return None
    _m, kind, unix, frac = struct.unpack_from(_WALL, mem, _AT)
    try:
        bus = getattr(board, cfg["i2c_buses"][0])()
        address = settings.imu_address
        buf = bytearray(5)
        while not bus.try_lock():
            pass
        try:
            buf[0] = _CTRL10_C
            bus.writeto_then_readfrom(address, buf, buf, out_end=1, in_start=1, in_end=2)
            if not buf[1] & 0x20:
                return None   # the IMU was reset or lost power: the count means nothing
            buf[0] = _TIMESTAMP0
            bus.writeto_then_readfrom(address, buf, buf, out_end=1, in_start=1, in_end=5)
        finally:
            bus.unlock()
    except (OSError, RuntimeError, ValueError, AttributeError):
        return None
    now = ticks_ms()
    if kind == 1:
        ms = (buf[1] | buf[2] << 8 | buf[3] << 16 | buf[4] << 24) // 40
    else:
        ms = (buf[1] | buf[2] << 8 | buf[3] << 16) * 32 // 5
    if ms > (_SPAN_S + 3600) * 1000:
        return None           # longer than the time alarm allows: not to be trusted
    wall = frac + ms
    r = wall % 1000           # the anchor at a whole second: a few hundred ms before now
    from firmware.ticks import ticks_add
    log.time_anchor(ticks_add(now, -r), unix + wall // 1000)
    log.flush()
    return ms // 1000


def keep_day(mem, modes, now):
    # The training day's count (firmware/modes.py) across the sleep: without it every pick-up
    # would start a fresh budget, and the plan would train all day on a clip that naps.
    if modes is None or mem is None or len(mem) < _DAY_AT + 9:
        return
    from firmware.ticks import ticks_diff
    since = ticks_diff(now, modes.active_t)
    struct.pack_into(_DAYF, mem, _DAY_AT, _DAY, modes.seated_s, since if since > 0 else 0)


def restore_day(alarm, modes, slept_s, now):
    # After a wake: the day's count back, when the sleep's length is known (the carried wall
    # time) and the night that starts a new day has not passed. Unknown: a new day (training
    # more than planned is the safer error than a silent clip).
    mem = getattr(alarm, "sleep_memory", None)
    if mem is None or len(mem) < _DAY_AT + 9 or mem[_DAY_AT] != _DAY:
        return False
    mem[_DAY_AT] = 0
    if slept_s is None:
        return False
    _m, seated, since = struct.unpack_from(_DAYF, mem, _DAY_AT)
    gap = since + slept_s * 1000
    if gap >= _NEW_DAY_MS:
        return False
    from firmware.ticks import ticks_add
    modes.seated_s = seated
    modes.active_t = ticks_add(now, -gap)
    return True


def go(alarm, pin, sensor, detector, log, now, off_min, say, modes=None):
    # Arm the IMU, keep the frame, log, then deep sleep until INT1 rises. Returns only when
    # the sleep could not start (the reason said); the clip then runs on as before.
    drv = getattr(sensor, "_drv", None)
    if drv is None:
        say("posture: not sleeping: the IMU does not answer")
        return
    try:
        arm(drv)
    except (OSError, RuntimeError, AttributeError) as exc:
        say("posture: not sleeping: cannot set the IMU's wake-up (%s)" % exc)
        sensor._rebuild = True      # undo what arming changed: the next read sets the IMU up again
        return
    try:   # a pin the clip already uses, or a port that cannot wake on it: stay awake, never crash
        wake = alarm.pin.PinAlarm(pin, value=True, pull=False)
    except (ValueError, RuntimeError, NotImplementedError, TypeError) as exc:
        say("posture: not sleeping: cannot wake on %s (%s); check POSTURE_WAKE_PIN" % (pin, exc))
        sensor._rebuild = True
        return False   # never will: the clip stays awake off the body
    frame = detector.frame
    mem = getattr(alarm, "sleep_memory", None)
    if mem is not None and len(mem) >= 13:
        if frame is not None and not detector.calibrating:
            up, g = frame.up, frame.g
            struct.pack_into(_KEEP, mem, 0, _MAGIC, up[0] * g, up[1] * g, up[2] * g)
        else:
            mem[0] = 0
    keep_day(mem, modes, now)
    alarms = (wake,)  # type: tuple
    if mem is not None and len(mem) >= _AT + 8 and log is not None and keep_wall(drv, mem, log, now):
        import time
        alarms += (alarm.time.TimeAlarm(monotonic_time=time.monotonic() + _SPAN_S),)
    if log is not None:
        log.event((now, ev.SLEEP, 1, off_min))
        log.flush()
    say("posture: off the body for %d min: sleeping until picked up" % off_min)
    try:
        alarm.exit_and_deep_sleep_until_alarms(*alarms)
    except (ValueError, RuntimeError, NotImplementedError) as exc:
        say("posture: not sleeping: %s" % exc)
        if mem is not None:     # nothing kept for a wake that will not come
            for at in (0, _AT, _DAY_AT):
                if len(mem) > at:
                    mem[at] = 0
        sensor._rebuild = True


def power_down(board, cfg, microcontroller, supervisor, say):
    # Switch off what the clip does not use; on the cell, slow the CPU (cfg 'slow_mhz': the
    # RP2040 idles at 7.7 mA at 25 MHz against 18.6 mA at 125 MHz, tools/mpy_power.py).
    # Returns the pins held low (kept referenced so they stay claimed).
    held = []
    for name in cfg.get("off_pins", ()):
        try:
            import digitalio
            pin = digitalio.DigitalInOut(getattr(board, name))
            pin.switch_to_output(False)
            held.append(pin)
        except (AttributeError, TypeError, ValueError, RuntimeError, ImportError):
            pass
    mhz = cfg.get("slow_mhz")
    if mhz and microcontroller is not None and not getattr(supervisor.runtime, "usb_connected", True):
        try:
            microcontroller.cpu.frequency = mhz * 1000000
            say("posture: on the cell: CPU at %d MHz" % mhz)
        except (AttributeError, NotImplementedError, ValueError, RuntimeError) as exc:
            say("posture: CPU clock left alone (%s)" % exc)
    return held


def wake_pin(board, cfg, settings, say, getenv=None):
    # The pin wired to the IMU's INT1 when the clip should sleep off the body, or None (sleep
    # off, or no wire: said once, and the clip stays awake as before). A board whose deep sleep
    # costs more than staying awake (cfg 'sleep_min' 0) does not sleep unless POSTURE_SLEEP_MIN
    # is set.
    if getenv is not None and "sleep_min" in cfg and getenv("POSTURE_SLEEP_MIN") is None:
        settings.sleep_min = cfg["sleep_min"]
    if not settings.sleep_min:
        return None
    name = settings.wake_pin or cfg.get("wake_pin")
    pin = getattr(board, name, None) if name else None
    if pin is None:
        say("posture: no wire from the IMU's INT1%s: the clip stays awake off the body "
            "(set POSTURE_WAKE_PIN to the pin it is wired to, or POSTURE_SLEEP_MIN = 0)"
            % (" (no pin %s)" % name if name else ""))
    return pin


def forget():
    # Drop this module from RAM once the clip has started (it loads again to go to sleep).
    import sys

    import firmware
    sys.modules.pop("firmware.sleep", None)
    try:
        delattr(firmware, "sleep")
    except AttributeError:
        pass


def started(say, cfg, woke):
    # The start-up line: running, or woken by a pick-up (woke 2: with the kept frame).
    if woke == 3:
        say("posture: woke to keep the time; sleeping again while left on the desk")
    elif woke:
        say("posture: woke up (picked up)%s" % ("; sit still a moment to take the clip's frame anew"
                                                if woke == 2 else "; sit upright and still to calibrate"))
    else:
        say("posture: running on %s; sit upright and still to calibrate" % cfg["name"])


def woke(alarm, detector):
    # After a pick-up woke the board: True when the detector got its kept frame back (a
    # re-wear: a new frame at the next still moment, the old elevation kept if the wearer
    # is slumped), False when there was none (it calibrates as at power-on).
    mem = getattr(alarm, "sleep_memory", None)
    if mem is None or len(mem) < 13 or mem[0] != _MAGIC:
        return False
    mem[0] = 0
    _m, x, y, z = struct.unpack_from(_KEEP, mem, 0)
    from firmware.orientation import Frame

    frame = Frame(x, y, z)
    if not 6.86 < frame.g < 12.75 or not frame.face_out:
        return False
    detector.frame = frame
    detector._calibrating = False
    detector._rewear = True      # the re-wear path of detector._posture_second
    detector._rw_n = 0
    return True
