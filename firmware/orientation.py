"""Trunk orientation from accelerometer and gyro: calibration and a tilt filter."""

# (The module's notes are comments, not its docstring: MicroPython keeps a docstring in RAM.)
# The clip is worn face out: its +Z axis points away from the back. Calibration
# (wearer upright and still) gives `up`, the direction of gravity's reaction in
# sensor axes while upright. Forward is -Z with its `up` component removed, so
# any rotation of the clip about Z is handled. Left completes the frame.
#
# The filter tracks the gravity direction `g` in sensor axes. Between samples the
# gyro rotates it (dg/dt = g x w, w in rad/s); each sample pulls it toward the
# measured acceleration with weight dt/TAU (a complementary filter), so the
# gyro covers quick rotations and the accelerometer removes drift and bias.
# Nothing is summed over long spans: the state is one vector.

import math

from micropython import const

G = 9.80665
_INV_G = 1.0 / G
_TAU_MS = const(1000)        # filter time constant: slow enough to ignore steps, fast enough for a reach
_MAX_STEP_MS = const(250)    # a longer gap between samples is not integrated
_DEG = 180.0 / math.pi
FACE_OUT_LIMIT = 0.77       # |up . Z| above sin(50 deg): the clip is not face out (25 deg mount + back curve)


class Frame:
    """Body axes (up, forward, left) in sensor coordinates, from a calibration."""

    def __init__(self, ux, uy, uz):
        n = math.sqrt(ux * ux + uy * uy + uz * uz)
        self.g = n   # |a| it was taken from, m/s^2: about 9.8 from a still clip (the detector checks)
        if n < 1e-6:
            # no gravity at all (a sensor reading zeros): take "up" straight out of the face,
            # never face out; never a division by 0
            uz = n = 1.0
        ux, uy, uz = ux / n, uy / n, uz / n
        # forward = -(Z - (Z.u) u), normalised
        fx, fy, fz = uz * ux, uz * uy, uz * uz - 1.0
        m = math.sqrt(fx * fx + fy * fy + fz * fz)
        if m < 1e-6:
            fx, fy, fz, m = 1.0, 0.0, 0.0, 1.0
        self.up = (ux, uy, uz)
        self.forward = (fx / m, fy / m, fz / m)
        fx, fy, fz = self.forward
        # left = up x forward
        self.left = (uy * fz - uz * fy, uz * fx - ux * fz, ux * fy - uy * fx)
        self.face_out = abs(uz) <= FACE_OUT_LIMIT
        # how far +Z is from horizontal while upright, in degrees
        self.mount_tilt_deg = math.asin(min(1.0, abs(uz))) * _DEG

    def angles(self, gx, gy, gz):
        """(flexion, side lean, tilt from upright) in degrees for gravity direction g.

        Flexion is positive bending forward, negative leaning back; side lean is
        positive to the left; tilt is the total angle away from the calibrated upright.
        """
        ux, uy, uz = self.up
        fx, fy, fz = self.forward
        lx, ly, lz = self.left
        cu = gx * ux + gy * uy + gz * uz
        cf = gx * fx + gy * fy + gz * fz
        cl = gx * lx + gy * ly + gz * lz
        flexion = math.atan2(-cf, cu) * _DEG
        lean = math.atan2(-cl, cu) * _DEG
        tilt = math.atan2(math.sqrt(cf * cf + cl * cl), cu) * _DEG
        return flexion, lean, tilt


class TiltFilter:
    """Complementary filter on the gravity direction, in sensor axes."""

    def __init__(self):
        self.x = 0.0
        self.y = 0.0
        self.z = 1.0
        self.bx = 0.0   # gyro bias, rad/s, learnt at calibration
        self.by = 0.0
        self.bz = 0.0
        self.primed = False
        self.use_gyro = True   # False while the gyro is powered down: accelerometer only

    def reset(self, ax, ay, az):
        self.x, self.y, self.z = ax * _INV_G, ay * _INV_G, az * _INV_G
        self.primed = True

    def update(self, dt_ms, ax, ay, az, wx, wy, wz):
        if not self.primed:
            self.reset(ax, ay, az)
            return
        x, y, z = self.x, self.y, self.z
        if 0 < dt_ms <= _MAX_STEP_MS and self.use_gyro:
            dt = dt_ms * 0.001
            wx = (wx - self.bx) * dt
            wy = (wy - self.by) * dt
            wz = (wz - self.bz) * dt
            # rotate by the gyro: g += g x (w dt)
            x, y, z = x + y * wz - z * wy, y + z * wx - x * wz, z + x * wy - y * wx
            k = dt_ms / _TAU_MS
        elif 0 < dt_ms <= _MAX_STEP_MS:
            k = dt_ms / _TAU_MS
        else:
            k = 1.0
        self.x = x + k * (ax * _INV_G - x)
        self.y = y + k * (ay * _INV_G - y)
        self.z = z + k * (az * _INV_G - z)

    def direction(self):
        """The filtered gravity direction as a unit vector."""
        x, y, z = self.x, self.y, self.z
        n = math.sqrt(x * x + y * y + z * z)
        if n < 1e-6:
            return 0.0, 0.0, 1.0
        # keep the state near unit length (no drift in magnitude)
        self.x, self.y, self.z = x / n, y / n, z / n
        return self.x, self.y, self.z
