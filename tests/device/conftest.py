"""Device tier: the firmware under real MicroPython (WebAssembly port under Node).

Nothing here is skipped: when Node or the MicroPython package is missing, the
tests fail with MicroPythonUnavailable and `make test` fails with them.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for _p in (str(ROOT / "tools"),):
    if _p not in sys.path:
        sys.path.insert(0, _p)
