"""Draw docs/wiring.png: how the clip is wired on the two supported boards.

Pin names come from firmware/boards.py, the table the firmware uses, and are
also written into the PNG's Description text so a test can check that the
committed picture still matches the code:

    .venv/bin/python tools/draw_wiring.py            # rewrites docs/wiring.png
    .venv/bin/python tools/draw_wiring.py --check    # exit 1 if it is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from firmware import boards  # noqa: E402

OUT = ROOT / "docs" / "wiring.png"
PANELS = ("adafruit_qtpy_rp2040", "feather_bluefruit_sense")
CABLE = (("GND", "black"), ("3V", "red"), ("SDA", "tab:blue"), ("SCL", "gold"))


def summary() -> str:
    """One line per drawn board: the pins the picture shows, from firmware/boards.py."""
    lines = []
    for board_id in PANELS:
        cfg = boards.defaults(board_id)
        lines.append("%s: i2c=%s imu=%s onboard=%s motor=%s button=%s" % (
            board_id, cfg["i2c"], "/".join(cfg["imu"]), cfg["imu_onboard"], cfg["motor_pin"], cfg["button_pin"]))
    return "\n".join(lines)


def _box(ax, x, y, w, h, color, text, size=9):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05", fc=color, ec="black", lw=1.2))
    ax.text(x + w / 2, y + h - 0.25, text, ha="center", va="top", color="white", fontsize=size, weight="bold")


def _pin(ax, x, y, name, side="right"):
    ax.add_patch(Circle((x, y), 0.08, fc="gold", ec="black", lw=0.8, zorder=3))
    dx = -0.15 if side == "right" else 0.15
    ax.text(x + dx, y, name, ha="right" if side == "right" else "left", va="center", color="white", fontsize=8)


def _resistor(ax, x0, x1, y):
    xs = [x0, x0 + 0.15]
    step = (x1 - x0 - 0.3) / 6
    for i in range(6):
        xs.append(x0 + 0.15 + step * (i + 0.5))
    xs += [x1 - 0.15, x1]
    ys = [y, y] + [y + (0.12 if i % 2 == 0 else -0.12) for i in range(6)] + [y, y]
    ax.plot(xs, ys, color="black", lw=1.3)


def _motor_stage(ax, pin_xy, v_xy, gnd_xy, motor_pin):
    """Pin -> 1 kΩ -> NPN base; collector -> motor -> 3V; emitter -> GND; diode across the motor."""
    px, py = pin_xy
    bx, by = 6.2, 2.0  # transistor centre
    ax.plot([px, 4.6, 4.6], [py, py, by], color="tab:green", lw=2)
    _resistor(ax, 4.6, 5.6, by)
    ax.text(5.1, by - 0.35, "1 kΩ", ha="center", fontsize=8)
    ax.text(4.7, (py + by) / 2, motor_pin, fontsize=8, color="tab:green")
    ax.add_patch(Circle((bx, by), 0.45, fc="white", ec="black", lw=1.3))
    ax.plot([5.6, 5.95], [by, by], color="black", lw=1.3)
    ax.plot([5.95, 5.95], [by - 0.25, by + 0.25], color="black", lw=2)
    ax.plot([5.95, 6.35], [by + 0.1, by + 0.4], color="black", lw=1.3)  # collector
    ax.annotate("", xy=(6.35, by - 0.4), xytext=(5.95, by - 0.1),
                arrowprops=dict(arrowstyle="-|>", color="black", lw=1.3))  # emitter
    ax.text(bx + 0.55, by - 0.55, "NPN\n(PN2222)", ha="left", fontsize=8)
    # emitter along the bottom to GND
    gx, gy = gnd_xy
    ax.plot([gx, 3.6, 3.6, 6.35, 6.35], [gy, gy, 0.9, 0.9, by - 0.4], color="black", lw=2)
    # collector -> motor -> 3V
    mx, my = 8.0, 3.3
    ax.plot([6.35, 6.35, mx, mx], [by + 0.4, 2.7, 2.7, my - 0.45], color="black", lw=1.5)
    ax.add_patch(Circle((mx, my), 0.45, fc="silver", ec="black", lw=1.3))
    ax.text(mx, my, "M", ha="center", va="center", fontsize=12, weight="bold")
    vx, vy = v_xy
    ax.plot([vx, mx, mx], [vy, vy, my + 0.45], color="red", lw=2)
    # flyback diode, cathode to 3V
    dx = 9.0
    ax.plot([mx, dx, dx], [2.7, 2.7, 2.95], color="black", lw=1.2)
    ax.plot([dx, dx, mx], [3.65, 3.9, 3.9], color="black", lw=1.2)
    ax.fill([dx - 0.18, dx + 0.18, dx], [2.95, 2.95, 3.55], color="black")
    ax.plot([dx - 0.18, dx + 0.18], [3.6, 3.6], color="black", lw=2)
    ax.text(dx + 0.35, 3.3, "coin vibration motor\n+ 1N4148 diode\n(band towards 3V)", fontsize=8, va="center")


def _panel(ax, board_id):
    cfg = boards.defaults(board_id)
    ax.set_xlim(0, 11.8)
    ax.set_ylim(0.1, 7.0)
    ax.set_aspect("equal")
    ax.axis("off")
    _box(ax, 0.4, 1.2, 2.8, 4.4, "#1f3b73", cfg["name"].replace("Adafruit ", "").replace(" nRF52840", "\nnRF52840"))
    pins = {"3V": (3.2, 4.2), cfg["motor_pin"]: (3.2, 3.6), "GND": (3.2, 3.0)}
    for name, (x, y) in pins.items():
        _pin(ax, x, y, name)
    if cfg["button_pin"]:
        ax.add_patch(FancyBboxPatch((1.5, 1.45), 0.45, 0.3, boxstyle="round,pad=0.03", fc="lightgrey", ec="black"))
        ax.text(1.72, 1.9, cfg["button_pin"], ha="center", fontsize=7, color="white")
        ax.text(0.4, 0.75, "%s: hold just after reset = drive writable by the\nlaptop (to deploy); "
                "press while worn = calibrate" % cfg["button_pin"], ha="left", va="top", fontsize=7.5)
    if cfg["imu_onboard"]:
        ax.add_patch(FancyBboxPatch((0.8, 2.3), 1.0, 0.7, boxstyle="round,pad=0.03", fc="#6a1b9a", ec="white"))
        ax.text(1.3, 2.65, "IMU\non board", ha="center", va="center", fontsize=7, color="white")
        ax.text(6.6, 5.6, "IMU on the board: %s\n(%s bus, address 0x%02X): nothing to wire"
                % (" or ".join(cfg["imu"]), cfg["i2c"], cfg["imu_address"]), ha="center", fontsize=9)
    else:
        _box(ax, 6.6, 4.5, 3.0, 1.8, "#6a1b9a", "\nor ".join(cfg["imu"]) + "\nbreakout", size=8)
        for i, (_name, color) in enumerate(CABLE):
            y0 = 5.4 - i * 0.12
            y1 = 5.2 - i * 0.12
            ax.plot([3.2, 4.5, 5.4, 6.6], [y0, y0, y1, y1], color=color, lw=2)
        ax.text(4.9, 5.75, "STEMMA QT cable\n(board.%s)" % cfg["i2c"], ha="center", fontsize=8)
    _motor_stage(ax, pins[cfg["motor_pin"]], pins["3V"], pins["GND"], cfg["motor_pin"])
    ax.set_title(cfg["name"], fontsize=11)


def draw(path: Path = OUT) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.2))
    for ax, board_id in zip(axes, PANELS):
        _panel(ax, board_id)
    fig.text(0.5, 0.02, "Or drive the motor with a DRV2605L haptic breakout on the same STEMMA QT chain "
             "(POSTURE_HAPTIC = \"drv2605\"). Pins from firmware/boards.py; change them in settings.toml.",
             ha="center", fontsize=9)
    fig.savefig(path, dpi=110, metadata={"Description": summary(), "Software": None})
    plt.close(fig)


def committed_summary(path: Path = OUT) -> str | None:
    from PIL import Image

    with Image.open(path) as image:
        return image.info.get("Description")


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(0 if committed_summary() == summary() else 1)
    draw()
