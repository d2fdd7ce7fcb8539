"""Settings for host-side runs of the firmware (replay, demo): settings.toml files and KEY=VALUE overrides.

Unlike the device, which falls back to defaults, the host refuses a bad value
with a clear message: the user typed it and can fix it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Iterable

from firmware import settings as fw_settings
from host.errors import PostureError

MAX_SETTINGS = 64 * 1024  # bytes: a CIRCUITPY settings.toml is a few hundred


def read_settings_file(path: str | Path) -> dict[str, object]:
    path = Path(path)
    from host.logfile import read_bounded  # only regular files, at most MAX_SETTINGS bytes

    if not path.exists():
        raise PostureError(f"{path}: no such settings file")
    raw = read_bounded(path, MAX_SETTINGS, "a settings.toml")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PostureError(f"{path}: not UTF-8 text, so not a settings.toml") from None
    except FileNotFoundError:
        raise PostureError(f"{path}: no such settings file") from None
    except tomllib.TOMLDecodeError as exc:
        raise PostureError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise PostureError(f"{path}: cannot read ({exc.strerror})") from None
    return {k: v for k, v in data.items() if k.startswith("POSTURE_")}


def parse_overrides(pairs: Iterable[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise PostureError(f"--set {pair!r}: expected KEY=VALUE, e.g. POSTURE_SLOUCH_DEG=20")
        out[key.strip()] = value.strip()
    return out


def build_settings(values: dict[str, object]) -> fw_settings.Settings:
    """Validated firmware Settings from raw values; the first bad one is an error."""
    for key, raw in values.items():
        ok, result = fw_settings.validate(key, raw)
        if not ok:
            known = ", ".join(row[0] for row in fw_settings.SPEC)
            hint = f" (known settings: {known})" if str(result).startswith("unknown") else ""
            raise PostureError(f"setting {result}{hint}")
    return fw_settings.load(values.get, _ignore)


def _ignore(_text: str) -> None:  # values were validated above
    pass
