"""Benchmark: peak memory of `posture replay` and `posture import` on big and endless inputs.

Each run is its own process; its peak resident memory (VmHWM) is printed. Inputs are made
in a temporary folder and removed afterwards:
  - a 1 GB recording that is a header and then NUL bytes (sparse: no disk used),
  - a 1 GB file given to import as a segment (sparse),
  - /dev/zero given to replay and to import,
  - valid recordings of 25 MB and 100 MB (26 Hz, written as a stream): replay reads every
    sample, and its peak must not grow with the file.
Exits 1 if any run ends otherwise than expected, or if the 100 MB replay peaks more than
20 MB above the 25 MB one (memory growing with the input).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GB = 1 << 30
GROWTH_LIMIT_MB = 20.0

_RUN = """
import sys
from host.cli import main
try:
    rc = main(sys.argv[1:])
finally:
    try:
        with open("/proc/self/status") as f:
            kb = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
    except (OSError, StopIteration):
        import resource
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        kb = kb // 1024 if sys.platform == "darwin" else kb
    sys.stderr.write("PEAK_KB %d\\n" % kb)
sys.exit(rc)
"""


def run(args: list[str], cwd: Path) -> tuple[int, float, str]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-c", _RUN, *args], cwd=cwd, env=env,
                         capture_output=True, text=True)
    peak = [int(line.split()[1]) for line in res.stderr.splitlines() if line.startswith("PEAK_KB")]
    message = next((line for line in res.stderr.splitlines() if line.startswith("posture:")), "")
    return res.returncode, (peak[0] / 1024 if peak else float("nan")), message


def sparse(path: Path, head: bytes, size: int) -> Path:
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def recording(path: Path, size: int) -> Path:
    """A plausible still recording at 26 Hz, streamed to disk until it is `size` bytes."""
    with open(path, "w") as f:
        f.write("t_s,ax,ay,az,gx,gy,gz\n")
        i = 0
        written = 0
        while written < size:
            block = "".join("%.4f,%.3f,0.02,0.05,0.001,0,0\n" % ((i + k) / 26, 9.8 + 0.01 * ((i + k) % 7))
                            for k in range(10000))
            f.write(block)
            written += len(block)
            i += 10000
    return path


def main() -> int:
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        cases = [
            ("replay: 1 GB, a header then NUL bytes",
             ["replay", str(sparse(t / "nul.csv", b"t_s,ax,ay,az,gx,gy,gz\n", GB))], 2),
            ("replay: /dev/zero", ["replay", "/dev/zero"], 2),
            ("import: a 1 GB segment", ["import", str(sparse(t / "00000001.bin", b"", GB)), "--device", "B1",
                                        "--db", str(t / "db.sqlite")], 2),
            ("import: /dev/zero", ["import", "/dev/zero", "--device", "B1", "--db", str(t / "db.sqlite")], 2),
        ]
        for size_mb in (25, 100):
            path = recording(t / ("rec%d.csv" % size_mb), size_mb << 20)
            cases.append(("replay: a valid %d MB recording (%d s at 26 Hz)"
                          % (size_mb, (sum(1 for _ in open(path)) - 1) // 26), ["replay", str(path)], 0))
        peaks = {}
        for label, args, want in cases:
            rc, peak, message = run(args, t)
            peaks[label] = peak
            print("host_memory: %-52s peak %6.1f MB  exit %d  %s" % (label, peak, rc, message[:70]))
            if rc != want:
                bad.append(label)
        small, big = (peaks[k] for k in peaks if k.startswith("replay: a valid"))
        print("host_memory: replay growth from 25 MB to 100 MB of input: %+.1f MB" % (big - small))
        if big - small > GROWTH_LIMIT_MB:
            bad.append("replay memory grows with the input")
    if bad:
        print("host_memory: unexpected: " + "; ".join(bad), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
