"""Runs instead of boot.py and code.py when CircuitPython starts in safe mode
(a brown-out, a hard crash, the internal watchdog, ...).

It notes why in microcontroller.nvm (firmware/resets.py; code.py reports it on
the console at the next start) and gets the clip back to work: after a brown-out
it sleeps a minute first so a weak battery can recover instead of looping
through brown-outs; after a crash it resets at once. It stays in safe mode (the
drive and the REPL reachable, nothing running) when the user asked for safe
mode, when restarting cannot help, or after MAX_STREAK crashes in a row.
It writes no files: the filesystem is not touched while the power is failing.
"""

import microcontroller
import supervisor

try:
    from firmware import resets

    name, streak = resets.record(getattr(microcontroller, "nvm", None), supervisor.runtime.safe_mode_reason)
    stay = name in resets.STAY or (streak > resets.MAX_STREAK and name != "BROWNOUT")
except Exception as exc:  # a broken firmware/ must not keep the board from restarting
    print("safemode.py:", exc)
    name, streak, stay = "OTHER", 0, False

print("safemode.py: safe mode because of %s (%d in a row)" % (name, streak))
if stay:
    print("safemode.py: staying in safe mode; press reset to start the posture monitor again")
else:
    if name == "BROWNOUT":
        try:
            import time

            import alarm

            print("safemode.py: brown-out: sleeping 60 s before starting again")
            alarm.exit_and_deep_sleep_until_alarms(alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60))
        except (ImportError, AttributeError, NotImplementedError, ValueError, RuntimeError) as exc:
            print("safemode.py: no deep sleep (%s); restarting now" % exc)
    microcontroller.reset()
