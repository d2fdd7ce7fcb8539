"""Start-up checks: a firmware set that is one deploy's, and settings that cannot disable the clip.

wiring.main imports this module at start and calls `start`, which drops the module
from sys.modules when it is done, so none of it stays in RAM while the clip runs
(about 1.5 KB of bytecode when loaded from .py); boot.py uses
`finish_swap`, and the protocol's SET check (`setting_problem`) imports it again
only when a host changes a setting.

The manifest (written by `posture deploy`, host/deploy.py) is a short text file
at the drive's root:

    posture-manifest 1
    version 0.1.0
    file firmware/log.py 12345       (one line per file deploy installed: path, size)
    remove firmware/old.py           (only in a staged manifest: files the swap deletes)
    end

Deploy stages every new file under `<name>.posture-tmp`, then writes the new
manifest as `posture_manifest.txt.posture-tmp` (the commit point), then renames
each staged file over its old one and the staged manifest over the manifest. A
deploy cut before the commit point leaves the old set (and stray staged files);
one cut after it leaves a complete staged manifest, which `finish_swap` (boot.py,
at the next start, when the flash is the firmware's) carries out.

Why sizes and not hashes: the check must cost little at every start on a board
with about 100 KB of heap and a slow flash. A size needs one os.stat per file
(about 45 files) and no read; hashing the 200 KB of source would read all of it
through a buffer, with binascii.crc32 missing on some CircuitPython builds. The
one failure sizes cannot see by themselves, an interrupted deploy, is marked
for certain by the staged manifest; sizes catch the rest (files copied by hand,
a deploy by an older tool, a file cut short), and the version line must match
firmware.VERSION.
"""

MANIFEST = "posture_manifest.txt"
TMP = ".posture-tmp"
STAGED = MANIFEST + TMP
HEADER = "posture-manifest 1"


def _size(os_module, path):
    """The size of a file, or -1 when there is none (or it is a folder)."""
    try:
        st = os_module.stat(path)
    except OSError:
        return -1
    if st[0] & 0x4000:  # S_IFDIR
        return -1
    return st[6]


def _entries(open_fn, path):
    """[(word, path, size)] for the lines of a manifest, ("end", "", 0) last when it is complete.

    Read whole (about 45 short lines, freed after the check) so the file is closed at once.
    Raises OSError when the file cannot be read, ValueError when it is not a manifest."""
    out = []
    with open_fn(path) as f:
        if f.readline().strip() != HEADER:
            raise ValueError("not a manifest")
        while True:
            line = f.readline()
            if not line:
                break
            parts = line.split()
            if not parts:
                continue
            word = parts[0]
            if word == "end":
                out.append(("end", "", 0))
                break
            if word == "file" and len(parts) == 3:
                out.append(("file", parts[1], int(parts[2])))
            elif word in ("remove", "version") and len(parts) == 2:
                out.append((word, parts[1], 0))
    return out


def check_firmware(os_module, open_fn, version, root="/"):
    """(state, bad files, first bad path): state "ok", "mixed" or "unknown" (no manifest).

    "mixed": a deploy was cut after its commit point and not finished, or a listed
    file is missing or not the size deploy wrote, or the manifest is of another version."""
    if _size(os_module, root + STAGED) >= 0:
        return "mixed", 0, STAGED
    bad = 0
    first = ""
    complete = False
    try:
        for word, rel, size in _entries(open_fn, root + MANIFEST):
            if word == "end":
                complete = True
            elif word == "version" and rel != version:
                bad += 1
                first = first or "firmware/__init__ (version %s, manifest %s)" % (version, rel)
            elif word == "file" and _size(os_module, root + rel) != size:
                bad += 1
                first = first or rel
    except OSError:
        return "unknown", 0, ""
    except ValueError:
        return "mixed", 0, MANIFEST
    if not complete:
        return "mixed", bad, first or MANIFEST
    return ("mixed" if bad else "ok"), bad, first


def finish_swap(os_module, open_fn, say=print, root="/"):
    """Carry out a deploy's swap that was cut short (boot.py, with the flash writable).

    Returns True when a swap was finished, False when there was none or it could not be
    (a staged file missing or of the wrong size: then nothing is changed and the clip
    reports the set as mixed until the next deploy)."""
    staged = root + STAGED
    if _size(os_module, staged) < 0:
        return False
    try:  # first pass: every file is either staged whole or already in place
        complete = False
        for word, rel, size in _entries(open_fn, staged):
            if word == "end":
                complete = True
            elif word == "file":
                tmp = _size(os_module, root + rel + TMP)
                if tmp != size and not (tmp < 0 and _size(os_module, root + rel) == size):
                    say("posture: the interrupted deploy cannot be finished (%s); run `posture deploy` again" % rel)
                    return False
        if not complete:
            say("posture: a deploy was cut before it was ready; run `posture deploy` again")
            return False
        for word, rel, _sz in _entries(open_fn, staged):  # second pass: swap
            path = root + rel
            if word == "file" and _size(os_module, path + TMP) >= 0:
                if _size(os_module, path) >= 0:
                    os_module.remove(path)  # FAT renames only onto a free name
                os_module.rename(path + TMP, path)
            elif word == "remove" and _size(os_module, path) >= 0:
                os_module.remove(path)
        if _size(os_module, root + MANIFEST) >= 0:
            os_module.remove(root + MANIFEST)
        os_module.rename(staged, root + MANIFEST)
    except (OSError, ValueError) as exc:
        say("posture: cannot finish the interrupted deploy (%s); run `posture deploy` again" % exc)
        return False
    say("posture: finished the deploy that was cut short")
    return True


# ---- settings that would disable the clip ------------------------------------------------

def _pin(board, name):
    """The board's pin called `name`, or None when the board has no such pin."""
    pin = getattr(board, name, None)
    if pin is None or type(pin).__name__ != "Pin":
        return None
    return pin


def _i2c_pins(board):
    from firmware.boards import I2C_PINS

    pins = []
    for name in I2C_PINS:
        pin = _pin(board, name)
        if pin is not None:
            pins.append(pin)
    return pins


def pin_problem(board, cfg, haptic, haptic_pin, button_pin):
    """(key, why) when these pins would disable the clip, else None.

    The motor pin (POSTURE_HAPTIC "pwm"/"digital") and the button pin must be pins the
    board has, off the I2C bus the IMU is on (a motor on SCL takes the bus: no IMU), and
    not the same pin."""
    i2c = _i2c_pins(board)
    motor = None
    if haptic in ("pwm", "digital"):
        name = haptic_pin or cfg["motor_pin"]
        motor = _pin(board, name)
        if motor is None:
            return "POSTURE_HAPTIC_PIN", "this board has no pin %s" % name
        if motor in i2c:
            return "POSTURE_HAPTIC_PIN", "%s is a pin of the IMU's I2C bus" % name
    name = button_pin or cfg["button_pin"]
    if name:
        button = _pin(board, name)
        if button is None:
            return "POSTURE_BUTTON_PIN", "this board has no pin %s" % name
        if button in i2c:
            return "POSTURE_BUTTON_PIN", "%s is a pin of the IMU's I2C bus" % name
        if button is motor:
            return ("POSTURE_HAPTIC_PIN" if haptic_pin else "POSTURE_BUTTON_PIN",
                    "the motor and the button cannot share pin %s" % name)
    return None


def _scan(board, cfg):
    """Addresses answering on the IMU's buses, or None when no bus could be scanned."""
    found = None
    for bus_name in cfg["i2c_buses"]:
        try:
            bus = getattr(board, bus_name)()
        except (AttributeError, RuntimeError, ValueError):
            continue
        if not bus.try_lock():
            continue
        try:
            found = found or []
            for address in bus.scan():
                if address not in found:  # I2C() and STEMMA_I2C() may be one bus
                    found.append(address)
        except OSError:
            pass
        finally:
            bus.unlock()
    return found


def _extra_pin_problem(board, cfg, settings, key, value):
    # The wake and battery pins: a pin the board has, off the IMU's bus, and not a pin the motor,
    # the button or the other of the two already holds (a claimed pin fails when it is used:
    # the clip then cannot sleep or read its cell).
    if not value:
        return None
    pin = _pin(board, value)
    if pin is None:
        return "this board has no pin %s" % value
    if pin in _i2c_pins(board):
        return "%s is a pin of the IMU's I2C bus" % value
    motor = (settings.haptic_pin or cfg["motor_pin"]) if settings.haptic in ("pwm", "digital") else None
    other = settings.battery_pin if key == "POSTURE_WAKE_PIN" else settings.wake_pin
    for name, what in ((motor, "the motor"), (settings.button_pin or cfg["button_pin"], "the button"),
                       (other, "the battery reading" if key == "POSTURE_WAKE_PIN" else "the wake-up wire")):
        if name and _pin(board, name) is pin:
            return "%s is %s's pin" % (value, what)
    return None


def setting_problem(board, cfg, settings, key, value):
    """Why SET key=value would disable the clip (a short text), or None.

    `settings` holds the values in use; `value` has passed settings.validate."""
    haptic = settings.haptic
    haptic_pin = settings.haptic_pin
    button_pin = settings.button_pin
    if key == "POSTURE_HAPTIC":
        haptic = value
    elif key == "POSTURE_HAPTIC_PIN":
        haptic_pin = value
    elif key == "POSTURE_BUTTON_PIN":
        button_pin = value
    elif key in ("POSTURE_WAKE_PIN", "POSTURE_BATTERY_PIN"):
        return _extra_pin_problem(board, cfg, settings, key, value)
    elif key == "POSTURE_IMU_ADDRESS":
        found = _scan(board, cfg)
        if found is not None and value not in found:
            return "nothing answers at 0x%02X on the I2C bus (found: %s)" % (
                value, " ".join("0x%02X" % a for a in found) or "none")
        return None
    else:
        return None
    if key == "POSTURE_HAPTIC" and value == "drv2605":
        found = _scan(board, cfg)
        if found is not None and 0x5A not in found:
            return "no DRV2605 answers at 0x5A on the I2C bus"
    problem = pin_problem(board, cfg, haptic, haptic_pin, button_pin)
    if problem is None or problem == pin_problem(board, cfg, settings.haptic, settings.haptic_pin,
                                                 settings.button_pin):
        return None  # fine, or a problem this SET did not cause (it is reported at start)
    return problem[1]


# ---- start-up: drop what keeps the clip from running ---------------------------------------

_MOTOR_KEYS = ("POSTURE_HAPTIC", "POSTURE_HAPTIC_PIN")
_IMU_KEYS = ("POSTURE_IMU", "POSTURE_IMU_ADDRESS")


def _quiet(_text):
    pass


class _Start:
    """The settings being settled: which keys are ignored, and which were dropped and why."""

    def __init__(self, settings, overrides, getenv, say):
        self.settings = settings
        self.overrides = overrides
        self.getenv = getenv
        self.say = say
        self.ignored = []
        self.dropped = []   # setting keys, in the order dropped

    def source(self, key):
        return "over USB" if self.overrides is not None and self.overrides.get(key) is not None \
            else "in settings.toml"

    def without(self, keys):
        """The settings with `keys` (and the keys ignored so far) from no source: the default."""
        from firmware.settings import load

        ignored = self.ignored + [k for k in keys if k not in self.ignored]
        getenv = self.getenv
        return load(lambda k: None if k in ignored else getenv(k), _quiet), ignored

    def drop(self, keys, why, settings=None):
        """Run without `keys` from now on: say which and why; forget the USB overrides."""
        if settings is None:
            settings, ignored = self.without(keys)
        else:
            ignored = self.ignored + [k for k in keys if k not in self.ignored]
        for key in keys:
            if key in self.ignored:
                continue
            value = self.settings.get(key)
            if key == "POSTURE_IMU_ADDRESS":
                value = "0x%02X" % value
            self.say("posture: setting %s = %s (set %s) dropped: %s; using %s" % (
                key, value if value != "" else "-",
                self.source(key), why,
                "settings.toml or the default" if self.source(key) == "over USB" else "the default"))
            if self.overrides is not None and self.overrides.get(key) is not None:
                self.overrides.drop(key)
            self.dropped.append(key)
        self.ignored = ignored
        self.settings = settings


def settle(board, cfg, settings, overrides, getenv, say, make_motor, imu_factory):
    """(settings, motor or None, dropped keys): settings the clip can sense and alert with.

    `getenv` is the one settings were loaded with (overrides first). Checked in order:
    pins that clash (before anything claims a pin: a motor on SCL would take the IMU's
    bus); a motor that cannot be driven with a value set over USB; an IMU that is not
    found with a chip or address set over USB but is found without it. A value is
    dropped only when the clip runs without it (a loose cable is not the setting's fault).
    """
    start = _Start(settings, overrides, getenv, say)
    for _ in range(3):  # each round drops one key; three keys take part
        s = start.settings
        problem = pin_problem(board, cfg, s.haptic, s.haptic_pin, s.button_pin)
        if problem is None:
            break
        if problem[0] in start.ignored or getenv(problem[0]) is None:
            break   # the board's own default: nothing to drop (the motor or button just fails)
        start.drop((problem[0],), problem[1])
    motor = make_motor(board, cfg, start.settings, say)
    if motor is None and overrides is not None:
        keys = [k for k in _MOTOR_KEYS if overrides.get(k) is not None]
        if keys:
            alt, _ = start.without(keys)
            motor = make_motor(board, cfg, alt, say)
            if motor is not None:
                start.drop(keys, "the motor cannot be driven with it", alt)
    if overrides is not None:
        keys = [k for k in _IMU_KEYS if overrides.get(k) is not None]
        if keys and not _imu_found(imu_factory, board, cfg, start.settings, say):
            alt, _ = start.without(keys)
            if _imu_found(imu_factory, board, cfg, alt, say):
                start.drop(keys, "no IMU answers with it", alt)
    return start.settings, motor, start.dropped


def _imu_found(imu_factory, board, cfg, settings, say):
    try:
        imu_factory(board, cfg, settings, _quiet)()
    except (OSError, RuntimeError, ValueError):
        return False
    return True


def start(board, cfg, settings, overrides, getenv, say, health, os_module, open_fn, make_motor,
          imu_factory, broken=None, version=None):
    """wiring.main's start-up checks, once. Returns (settings, motor, problems): problems are
    ERROR events' (code, detail) to log once the log is open. Sets health.dropped and
    health.firmware ("mixed"; "nosync" when the protocol would not even import). `broken` is
    the exception that kept the log's modules from importing (a set of two deploys), or None."""
    from firmware import events as ev
    from firmware.settings import SPEC
    settings, motor, dropped = settle(board, cfg, settings, overrides, getenv, say, make_motor, imu_factory)
    if motor is None:
        from firmware.haptics import NullMotor
        say("posture: running without vibration")
        motor = NullMotor()
    problems = []
    if broken is not None:
        health.firmware = "mixed"
        problems.append((ev.ERR_FIRMWARE_MIXED, 0))
        say("posture: the firmware on the drive is incomplete or mixed (%s: %s); running without the log "
            "and sync: run `posture deploy` again" % (type(broken).__name__, broken))
    for key in dropped:
        problems.append((ev.ERR_SETTING_DROPPED, [row[0] for row in SPEC].index(key)))
    health.dropped = ",".join(dropped)
    if os_module is not None and open_fn is not None:
        if version is None:
            from firmware import VERSION as version
        state, bad, first = check_firmware(os_module, open_fn, version)
        if state == "mixed":
            health.firmware = "mixed"
            problems.append((ev.ERR_FIRMWARE_MIXED, bad))
            say("posture: the firmware files on the drive are not one deploy's set (%s); "
                "the clip runs with what works: run `posture deploy` again" % (first or "files differ"))
            try:  # loaded only to see that it imports, then dropped (it is loaded on demand)
                from firmware import protocol  # noqa: F401
                _forget("protocol")
            except (ImportError, AttributeError, NameError, SyntaxError) as exc:
                say("posture: no sync with this firmware set (%s): run `posture deploy` again" % exc)
                health.firmware = "nosync"
    _forget("integrity")
    return settings, motor, problems


def _forget(name):
    """Drop firmware.<name> from the loaded modules, so its code can be collected."""
    import sys

    import firmware
    sys.modules.pop("firmware." + name, None)
    try:
        delattr(firmware, name)
    except AttributeError:
        pass
