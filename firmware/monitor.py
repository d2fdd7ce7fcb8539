"""The main loop, shared by the board, the simulator, `posture replay` and tests."""

# (The module's notes are comments, not its docstring: MicroPython keeps a docstring in RAM.)
# Everything it touches is handed in: a clock (ticks_ms, sleep_ms), a sensor
# (read, set_gyro), the detector, a haptics player and, optionally, a log,
# pollers (the protocol handler on the data channel, a button) and a watchdog. `process()` is the
# pure part (one sample in, events out, vibrations and log as side effects
# through the objects handed in); `step()` adds reading the sensor; `run()`
# paces steps at the sensor's data rate. Sensor outages: see _LOST_MS.

from micropython import const

from firmware import events as ev
from firmware.detector import NO_EVENTS
from firmware.haptics import PATTERN_FOR_EVENT, SENSOR_LOST
from firmware.ticks import ticks_add, ticks_diff

_SENSOR_ERROR_AFTER = const(5)   # failed reads in a row before the fault is reported

# Sensor outages. The sensor (firmware/sensor.py) finds faults in its data and rebuilds
# itself; the monitor reports them: SENSOR_FAULT (cause) when the sensor found one,
# SENSOR_ERROR after _SENSOR_ERROR_AFTER failed reads, and SENSOR_RECOVERED (ms without
# data) when samples flow again. `health` (a firmware.health.Health, for STATUS and
# LIVE) says "ok", the fault's cause, or "down" while the chip does not answer. Without
# real data for _LOST_MS the clip gives up hoping: an ERROR event (ERR_SENSOR_MISSING, b
# = cause) and the distinct SENSOR_LOST vibration, once per outage; it keeps retrying.
_LOST_MS = const(5000)           # no real data this long after a fault: tell the wearer


class Monitor:
    def __init__(self, detector, player, sensor=None, clock=None, log=None,
                 pollers=(), watchdog=None, rate_hz=26, on_event=None, health=None):
        self.detector = detector
        self.player = player
        self.sensor = sensor
        self.clock = clock
        self.log = log
        self.pollers = list(pollers)   # objects with poll(now): the protocol, a button
        self.watchdog = watchdog
        self.period_ms = 1000 // rate_hz
        self.on_event = on_event
        self.gyro_on = True
        self.health = health
        self._sensor_down_since = None
        self._faults_seen = 0     # sensor.faults already reported
        self._lost = False        # the SENSOR_LOST vibration played in this outage
        if log is not None:
            detector.on_minute = log.minute

    def process(self, now, ax, ay, az, gx, gy, gz):
        """Feed one sample taken at `now` (ticks ms); returns the events it caused."""
        det = self.detector
        if not self.gyro_on:
            gx = gy = gz = 0.0
        events = det.update(now, ax, ay, az, gx, gy, gz)
        if events is not NO_EVENTS:   # a second closed: events (maybe none) and a gyro decision
            for event in events:
                self.emit(event)
            want = det.wants_gyro
            if want != self.gyro_on:
                self.gyro_on = want
                det.set_gyro(want)
                if self.sensor is not None:
                    self.sensor.set_gyro(want)
        self.player.update(now)
        return events

    def emit(self, event, pattern=None):
        """Vibrate for, log and pass on one event."""
        if pattern is None:
            pattern = PATTERN_FOR_EVENT.get(event[1])
        if pattern is not None:
            self.player.play(pattern, event[0])
        if self.log is not None:
            self.log.event(event)
        if self.on_event is not None:
            self.on_event(event)

    def step(self):
        """Read the sensor once and process the sample; survive a missing sensor."""
        now = self.clock.ticks_ms()
        sample = self.sensor.read()
        if sample is None:
            self._sensor_failed(now)
            self.player.update(now)
        else:
            if self._sensor_down_since is not None:
                self.emit((now, ev.SENSOR_RECOVERED, ticks_diff(now, self._sensor_down_since), 0))
                self._sensor_down_since = None
                if self.health is not None:
                    self.health.sensor = "ok"
            self.process(now, sample[0], sample[1], sample[2], sample[3], sample[4], sample[5])
        for poller in self.pollers:
            poller.poll(now)
        if self.watchdog is not None:
            self.watchdog.feed()

    def _sensor_failed(self, now):
        sensor = self.sensor
        health = self.health
        down = self._sensor_down_since
        if sensor.faults != self._faults_seen:     # the sensor found a fault (and rebuilt itself)
            self._faults_seen = sensor.faults
            event = (now, ev.SENSOR_FAULT, sensor.fault, sensor.fault_detail)
        elif down is None and (sensor.failures >= _SENSOR_ERROR_AFTER or not sensor.connected):
            event = (now, ev.SENSOR_ERROR, sensor.last_errno, sensor.failures)
        else:
            if down is not None:
                if health is not None and not sensor.connected:
                    health.sensor = "down"
                if not self._lost and ticks_diff(now, down) >= _LOST_MS:
                    self._lost = True
                    self.emit((now, ev.ERROR, ev.ERR_SENSOR_MISSING, sensor.fault), SENSOR_LOST)
            return
        if down is None:
            self._sensor_down_since = now
            self._lost = False
            if health is not None:
                health.sensor_faults += 1
        if health is not None:
            health.sensor = ev.FAULT_NAMES[event[2]] if event[1] == ev.SENSOR_FAULT else "down"
        self.emit(event)

    def run(self, steps=-1):
        """Loop at the data rate (forever by default). Never accumulates time in floats."""
        clock = self.clock
        due = clock.ticks_ms()
        while steps != 0:
            self.step()
            if steps > 0:
                steps -= 1
            due = ticks_add(due, self.period_ms)
            wait = ticks_diff(due, clock.ticks_ms())
            if wait > 0:
                clock.sleep_ms(wait)
            elif wait < -1000:
                due = clock.ticks_ms()   # fell far behind: do not try to catch up
