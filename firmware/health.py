"""What the clip knows is wrong with itself, in one small object.

The sensor supervisor, the start-up checks (settings overrides, firmware
integrity) write it; STATUS, LIVE and the console read it. A clip that cannot
do its job must say so: a problem recorded here is visible to the host on the
next STATUS and in `posture live`, not only in the log.

Fields (all short ASCII words, so they go on a protocol line as they are):
    sensor      "ok", or why it is not: "down" (no answer on the bus), "reset"
                (came back at power-on defaults), "stuck" (identical samples),
                "implausible" (|a| far from g while still), "zero" (all-zero samples)
    sensor_faults   faults noticed since start (each one rebuilt the driver)
    dropped     setting keys dropped at start because the clip could not run with them,
                comma-separated, or "" when none
    firmware    "ok", or "mixed" when the installed files are not one deploy's set
"""


class Health:
    def __init__(self):
        self.sensor = "ok"
        self.sensor_faults = 0
        self.dropped = ""
        self.firmware = "ok"
        # the clip's day (comments, not docstrings: MicroPython keeps those in RAM)
        self.mode = "training"   # or "tracking" (firmware/modes.py)
        self.snooze = 0          # minutes of a snooze left, 0 when no snooze mutes alerts
        self.batt = -1           # charge percent of the cell, -1 without a reading (firmware/battery.py)
        self.mv = 0              # the cell's millivolts, 0 without a reading

    def words(self):
        """The STATUS words: sensor=... sfaults=N fw=... clip() mv=N dropped=KEY,KEY (or -)."""
        return "sensor=%s sfaults=%d fw=%s %s mv=%d dropped=%s" % (
            self.sensor, self.sensor_faults, self.firmware, self.clip(), self.mv, self.dropped or "-")

    def clip(self):
        # mode=training|tracking snooze=<minutes left> batt=<percent or ->: also on every LIVE line
        return "mode=%s snooze=%d batt=%s" % (self.mode, self.snooze, "-" if self.batt < 0 else self.batt)

    def problem(self):
        """One word for the LIVE state when something is wrong, else None."""
        if self.sensor != "ok":
            return "sensor_" + self.sensor
        if self.firmware != "ok":
            return "firmware_" + self.firmware
        if self.dropped:
            return "settings_dropped"
        return None
