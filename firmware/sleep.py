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


def go(alarm, pin, sensor, detector, log, now, off_min, say):
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
        return
    frame = detector.frame
    mem = getattr(alarm, "sleep_memory", None)
    if mem is not None and len(mem) >= 13:
        if frame is not None and not detector.calibrating:
            up, g = frame.up, frame.g
            struct.pack_into(_KEEP, mem, 0, _MAGIC, up[0] * g, up[1] * g, up[2] * g)
        else:
            mem[0] = 0
    if log is not None:
        log.event((now, ev.SLEEP, 1, off_min))
        log.flush()
    say("posture: off the body for %d min: sleeping until picked up" % off_min)
    alarm.exit_and_deep_sleep_until_alarms(alarm.pin.PinAlarm(pin, value=True, pull=False))


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


def wake_pin(board, cfg, settings, say):
    # The pin wired to the IMU's INT1 when the clip should sleep off the body, or None (sleep
    # off, or no wire: said once, and the clip stays awake as before).
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
    if woke:
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
