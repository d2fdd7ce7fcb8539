"""SimDevice's CircuitPython life cycle on small stand-in programs (a temporary board root).

The repository's own boot.py/code.py are exercised in test_device.py; here each
start-up path (crash, reload, reset, brown-out and safemode.py) gets a program
that takes it, so the machinery is checked on its own.
"""

import pytest

from host.sim.device import SimDevice

from .sources import Constant

BOOT = """
import storage
print("boot ran")
"""

CODE = """
import os, time, supervisor, microcontroller
n = microcontroller.nvm[0]
microcontroller.nvm[0] = n + 1
print("code run", n, "ticks", supervisor.ticks_ms())
action = os.getenv("ACTION")
if action == "crash" and n == 0:
    raise ValueError("boom")
if action == "reload" and n == 0:
    supervisor.reload()
if action == "reset" and n == 0:
    microcontroller.reset()
with open("/hello.txt", "w") as f:
    f.write("hi")
while True:
    time.sleep(1)
"""

SAFEMODE = """
import supervisor, microcontroller
print("safe mode:", supervisor.runtime.safe_mode_reason)
microcontroller.nvm[1] = 42
microcontroller.reset()
"""


def board_root(tmp_path, safemode=True):
    root = tmp_path / "root"
    root.mkdir()
    (root / "boot.py").write_text(BOOT + 'storage.remount("/", readonly=False)\n')
    (root / "code.py").write_text(CODE)
    if safemode:
        (root / "safemode.py").write_text(SAFEMODE)
    return str(root)


@pytest.mark.parametrize("action,boots,code_runs", [("crash", 1, 1), ("reload", 1, 2), ("reset", 2, 2)])
def test_crash_reload_and_reset_paths(tmp_path, action, boots, code_runs):
    with SimDevice(Constant(), settings={"ACTION": action}, root=board_root(tmp_path)) as device:
        device.run_for(10)
        assert (device.boots, device.code_runs) == (boots, code_runs)
        text = device.console_text()
        if action == "crash":
            assert "ValueError: boom" in text and "Code done running." in text
            assert [type(e) for _, e in device.crashes] == [ValueError]
            assert device.board.nvm[0] == 1
        else:
            assert "code run 1" in text and device.crashes == []
        assert device.boot_output.count("boot ran") == 1       # boot_out.txt holds the last boot
        assert device.clock.now_ms == 10_000


def test_brownout_runs_safemode_py_which_restarts_the_board(tmp_path):
    with SimDevice(Constant(), root=board_root(tmp_path)) as device:
        device.run_for(5)
        assert open(device.fs_dir + "/hello.txt").read() == "hi"
        device.brownout()
        device.run_for(5)
        assert device.safe_mode_runs == 1 and device.boots == 2
        assert "safe mode: SafeModeReason.BROWNOUT" in device.safemode_output
        assert device.board.nvm[1] == 42 and device.board.nvm[0] == 2   # nvm survives
        assert [kind for _, kind in device.resets] == ["PowerCut", "DeviceReset"]


def test_without_safemode_py_the_board_stays_in_safe_mode(tmp_path):
    with SimDevice(Constant(), root=board_root(tmp_path, safemode=False)) as device:
        device.run_for(5)
        device.brownout()
        device.run_for(60)
        assert device.safe_mode_runs == 1 and device.boots == 1 and device.code_runs == 1
        device.power_cut()                                    # unplugging clears safe mode
        device.run_for(5)
        assert device.boots == 2 and device.code_runs == 2


def test_code_py_without_boot_remount_cannot_write(tmp_path):
    root = board_root(tmp_path)
    (tmp_path / "root" / "boot.py").write_text(BOOT)           # no remount: the host has the drive
    with SimDevice(Constant(), root=root) as device:
        device.run_for(5)
        assert "OSError: [Errno 30] Read-only filesystem" in device.console_text()


def test_full_drive_raises_enospc(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "boot.py").write_text(BOOT + 'storage.remount("/", readonly=False)\n')
    (tmp_path / "root" / "code.py").write_text(
        "import os\n"
        "print('free', os.statvfs('/')[0] * os.statvfs('/')[3])\n"
        "f = open('/big.bin', 'wb')\n"
        "f.write(bytes(4000))\n"
        "f.write(bytes(4000))\n")
    with SimDevice(Constant(), root=str(tmp_path / "root"), fs_capacity=8192) as device:
        device.run_for(2)
        text = device.console_text()
    assert "OSError: [Errno 28] No space left on device" in text
    free = int(text.split("free ")[1].split()[0])
    assert 7000 < free <= 8192


def test_a_crash_enters_safe_mode_with_its_reason_and_keeps_the_imu(tmp_path):
    with SimDevice(Constant(), root=board_root(tmp_path)) as device:
        device.run_for(5)
        device.imu.regs[0x10] = 0x20                            # something the firmware set up
        device.crash("HARD_FAULT")
        device.run_for(5)
        assert "safe mode: SafeModeReason.HARD_FAULT" in device.safemode_output
        assert [kind for _, kind in device.resets] == ["HardFault", "DeviceReset"]
        assert device.imu.regs[0x10] == 0x20 and device.boots == 2
