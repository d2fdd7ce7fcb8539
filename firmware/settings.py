"""The clip's settings: one allow-list with defaults and ranges.

Values come from settings.toml through os.getenv, as CircuitPython reads them
(strings or integers). Every value is validated at start-up; a bad value is
reported in one clear line and the default is used, never a crash. The
protocol's SET goes through the same `validate`, so nothing outside this list
can ever be set.
"""

# (key, attribute, kind, default, low, high): for INT, low..high bounds; for WORD, low is
# the tuple of allowed words (None: any short word). The help text of each setting is in
# firmware/settings_help.py, read only by the host's tools (spec_rows): not kept in RAM.
INT = 0
WORD = 1

SPEC = (  # type: tuple
    ("POSTURE_SLOUCH_DEG", "slouch_deg", INT, 15, 5, 45),
    ("POSTURE_SLOUCH_DELAY_S", "slouch_delay_s", INT, 30, 5, 600),
    ("POSTURE_REMIND_S", "remind_s", INT, 120, 30, 1800),
    ("POSTURE_HYSTERESIS_DEG", "hysteresis_deg", INT, 5, 1, 15),
    ("POSTURE_BREAK_MIN", "break_min", INT, 50, 0, 240),
    ("POSTURE_HAPTIC", "haptic", WORD, "pwm", ("pwm", "digital", "drv2605", "none"), None),
    ("POSTURE_HAPTIC_PIN", "haptic_pin", WORD, "", None, None),
    ("POSTURE_HAPTIC_STRENGTH", "haptic_strength", INT, 70, 10, 100),
    ("POSTURE_IMU", "imu", WORD, "auto", ("auto", "LSM6DSOX", "LSM6DS3TRC", "LSM6DS33", "ISM330DHCX"), None),
    ("POSTURE_IMU_ADDRESS", "imu_address", INT, 0x6A, 0x6A, 0x6B),
    ("POSTURE_BUTTON_PIN", "button_pin", WORD, "", None, None),
    ("POSTURE_MODE", "mode", WORD, "training", ("training", "tracking"), None),
    ("POSTURE_TRAIN_MIN", "train_min", INT, 0, 0, 600),
    ("POSTURE_SNOOZE_MIN", "snooze_min", INT, 30, 5, 120),
    ("POSTURE_BATTERY_PIN", "battery_pin", WORD, "", None, None),
    ("POSTURE_BATTERY_DIVIDER", "battery_divider", INT, 2, 1, 4),
    ("POSTURE_BATTERY_LOW_PCT", "battery_low_pct", INT, 15, 5, 50),
    ("POSTURE_SLEEP_MIN", "sleep_min", INT, 5, 0, 240),
    ("POSTURE_WAKE_PIN", "wake_pin", WORD, "", None, None),
)

_BY_KEY = {}
for _row in SPEC:
    _BY_KEY[_row[0]] = _row


class Settings:
    """Validated settings as attributes (slouch_deg, slouch_delay_s, ...)."""

    # One per SPEC row, declared for type checkers (bare annotations cost nothing on the board).
    slouch_deg: int
    slouch_delay_s: int
    remind_s: int
    hysteresis_deg: int
    break_min: int
    haptic: str
    haptic_pin: str
    haptic_strength: int
    imu: str
    imu_address: int
    button_pin: str
    sleep_min: int
    wake_pin: str
    mode: str
    train_min: int
    snooze_min: int
    battery_pin: str
    battery_divider: int
    battery_low_pct: int

    def __init__(self):
        for row in SPEC:
            setattr(self, row[1], row[3])

    def get(self, key):
        row = _BY_KEY.get(key)
        if row is None:
            raise KeyError(key)
        return getattr(self, row[1])

    def items(self):
        return [(row[0], getattr(self, row[1])) for row in SPEC]


def validate(key, value):
    """Check one setting. Returns (True, clean value) or (False, message)."""
    row = _BY_KEY.get(key)
    if row is None:
        return False, "unknown setting " + key
    kind, low, high = row[2], row[4], row[5]
    if kind == INT:
        if isinstance(value, str):
            text = value.strip()
            try:
                value = int(text, 16) if text.lower().startswith("0x") else int(text)
            except ValueError:
                return False, "%s = %r is not a whole number" % (key, value)
        if isinstance(value, bool) or not isinstance(value, int):
            return False, "%s = %r is not a whole number" % (key, value)
        if value < low or value > high:
            return False, "%s = %d is outside %d..%d" % (key, value, low, high)
        return True, value
    if not isinstance(value, str):
        return False, "%s = %r is not a word" % (key, value)
    value = value.strip()
    if low is not None and value not in low:
        return False, "%s = %r is not one of %s" % (key, value, ", ".join(low))
    if len(value) > 24:
        return False, "%s is longer than 24 characters" % key
    if low is None and value and not _pin_name(value):
        return False, "%s = %r is not a board pin name (like D5 or A0)" % (key, value)
    return True, value


def _pin_name(word):
    """A board pin name: an upper-case letter, then letters, digits or '_' (never '__dunder__')."""
    if not ("A" <= word[0] <= "Z"):
        return False
    for ch in word:
        if not ("A" <= ch <= "Z" or "a" <= ch <= "z" or "0" <= ch <= "9" or ch == "_"):
            return False
    return True


def unknown_keys(text):
    """POSTURE_ keys set in a settings.toml text that are not settings (typos): never read."""
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith("["):
            break
        name = line.split("=", 1)[0].strip()
        if "=" in line and name.upper().startswith("POSTURE_") and name not in _BY_KEY:
            out.append(name)
    return out


def load(getenv, warn, text=None):
    """Read every setting with getenv(key) (None when unset); report bad ones with warn(text).

    `text`, the settings.toml text when the caller could read it, is checked for unknown keys.
    """
    settings = Settings()
    for key in unknown_keys(text or ""):
        warn("settings.toml: unknown setting %s is ignored (see settings.toml.example)" % key)
    for row in SPEC:
        key = row[0]
        try:
            raw = getenv(key)
        except Exception as exc:  # a malformed settings.toml line
            warn("settings.toml: cannot read %s (%s); using %r" % (key, exc, row[3]))
            continue
        if raw is None:
            continue
        ok, value = validate(key, raw)
        if ok:
            setattr(settings, row[1], value)
        else:
            warn("settings.toml: %s; using %r" % (value, row[3]))
    return settings


def spec_rows():
    """(key, default, allowed, help) for documentation and the host's config command."""
    from firmware.settings_help import HELP

    rows = []
    for key, _attr, kind, default, low, high in SPEC:
        if kind == INT:
            allowed = "%d..%d" % (low, high)
        elif low is not None:
            allowed = " | ".join(low)
        else:
            allowed = "board pin name"
        rows.append((key, default, allowed, HELP[key]))
    return rows
