"""Tiny motion sources for the emulator: at(t_ms) -> (ax, ay, az, gx, gy, gz), m/s² and rad/s."""

import math

G = 9.80665


class Constant:
    """The same reading at every instant; counts how often it is sampled."""

    def __init__(self, ax=0.0, ay=0.0, az=G, gx=0.0, gy=0.0, gz=0.0):
        self.value = (ax, ay, az, gx, gy, gz)
        self.times = []

    def at(self, t_ms):
        self.times.append(t_ms)
        return self.value


class Ramp:
    """Every channel a different straight line in time: a reading says when it was taken."""

    def at(self, t_ms):
        s = t_ms / 1000.0
        return (s * 0.01, -s * 0.02, G - s * 0.001, s * 0.001, 0.0, -s * 0.002)


class Tilted:
    """Still, gravity tilted `deg` forward about the sensor's x axis, with a small breathing sway."""

    def __init__(self, deg, sway_deg=0.3, period_s=4.0):
        self.deg = deg
        self.sway = sway_deg
        self.period = period_s

    def at(self, t_ms):
        phase = 2 * math.pi * t_ms / (self.period * 1000.0)
        a = math.radians(self.deg + self.sway * math.sin(phase))
        rate = math.radians(self.sway) * 2 * math.pi / self.period * math.cos(phase)
        return (0.0, -G * math.cos(a), G * math.sin(a), rate, 0.0, 0.0)


class Script:
    """Piecewise motion: [(until_s, source), ...]; the last source holds after the script ends."""

    def __init__(self, *parts):
        self.parts = parts

    def at(self, t_ms):
        for until_s, source in self.parts:
            if t_ms < until_s * 1000:
                return source.at(t_ms)
        return self.parts[-1][1].at(t_ms)
