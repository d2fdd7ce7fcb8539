"""`posture deploy` onto a real FAT filesystem (mkfs.vfat), written and read back through mtools."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware import integrity
from host import deploy, settings_file
from host.errors import PostureError

from . import expected, fat


def deploy_onto(image: Path, project: Path) -> tuple[deploy.Plan, fat.MtoolsTarget]:
    target = fat.MtoolsTarget(image)
    plan = deploy.plan(target, root=project)
    deploy.apply(plan, target)
    return plan, target


def test_fresh_install_on_fat(image: Path, project: Path) -> None:
    plan, target = deploy_onto(image, project)
    want = expected.all_files(project)
    files = fat.tree(image)
    assert set(files) == set(want) | {"boot_out.txt", "settings.toml", integrity.MANIFEST}  # no temp names left behind
    for rel, data in want.items():
        assert fat.mtype(image, rel) == data, rel
    assert fat.mtype(image, "settings.toml").decode() == settings_file.render_template()
    # every file was staged under a temporary name before any was renamed over its final name;
    # the manifest was staged last (the commit point) and renamed last
    writes = [p for op, p in target.log if op == "rename"]
    temps = [p for op, p in target.log if op == "write-temp"]
    assert sorted(writes) == sorted(set(want) | {"settings.toml", integrity.MANIFEST})
    assert temps == [p + deploy.TMP_SUFFIX for p in writes]
    ops = [op for op, _p in target.log if op != "mkdir"]
    assert ops == ["write-temp"] * len(temps) + ["rename"] * len(writes)
    # libraries first, code.py after the firmware it imports, the manifest last
    assert writes.index("code.py") > max(writes.index(p) for p in writes if p.startswith("firmware/"))
    assert writes.index("firmware/boards.py") > max(writes.index(p) for p in writes if p.startswith("lib/"))
    assert writes[-1] == integrity.MANIFEST
    manifest = fat.mtype(image, integrity.MANIFEST).decode().splitlines()
    assert manifest[0] == integrity.HEADER and manifest[-1] == "end"
    assert sorted(manifest[2:-1]) == sorted("file %s %d" % (rel, len(data)) for rel, data in want.items())
    fat.fsck(image)


def test_upgrade_keeps_user_settings_and_removes_stale_modules(image: Path, project: Path) -> None:
    (project / "firmware" / "retired.py").write_text("OLD = 1\n")  # in release 1 only
    deploy_onto(image, project)
    user = 'POSTURE_SLOUCH_DEG = 22\nPOSTURE_HAPTIC_PIN = "D9"\nCIRCUITPY_WEB_API_PASSWORD = "pw"\n'
    fat.put(image, "settings.toml", user.encode())
    # release 2: a module is gone, another changed
    (project / "firmware" / "retired.py").unlink()
    detector = project / "firmware" / "detector.py"
    detector.write_bytes(detector.read_bytes() + b"\n# release 2\n")
    plan, target = deploy_onto(image, project)
    assert sorted(plan.settings_kept) == ["CIRCUITPY_WEB_API_PASSWORD", "POSTURE_HAPTIC_PIN", "POSTURE_SLOUCH_DEG"]
    assert fat.mtype(image, "settings.toml") == user.encode()  # the user's file, byte for byte
    assert fat.mtype(image, "firmware/detector.py") == expected.project_files(project)["firmware/detector.py"]
    assert "firmware/retired.py" not in fat.tree(image)
    assert ("remove", "firmware/retired.py") in [(op, p.lower()) for op, p in target.log]
    # only what changed was written: the flash is spared the rest
    assert sorted(p for op, p in target.log if op == "rename") == ["firmware/detector.py", integrity.MANIFEST]
    assert set(fat.tree(image)) == (set(expected.all_files(project))
                                    | {"boot_out.txt", "settings.toml", integrity.MANIFEST})
    fat.fsck(image)


def test_dry_run_leaves_the_image_byte_for_byte(image: Path, project: Path) -> None:
    before = fat.digest(image)
    target = fat.MtoolsTarget(image)
    plan = deploy.plan(target, root=project)
    assert {s.action for s in plan.steps} == {"mkdir", "write"}
    assert any(s.path == "lib/adafruit_lsm6ds/lsm6ds3trc.py" for s in plan.steps)
    assert fat.digest(image) == before
    assert target.log == []
    # and on an installed board with a user's settings, too
    deploy_onto(image, project)
    fat.put(image, "settings.toml", b"POSTURE_BREAK_MIN = 0\n")
    before = fat.digest(image)
    plan = deploy.plan(fat.MtoolsTarget(image), root=project)
    assert [s.path for s in plan.steps if s.action != "same"] == []  # the user's settings.toml is theirs
    assert fat.digest(image) == before


def test_unsupported_version_on_fat_is_refused_untouched(tmp_path: Path, project: Path, fat_tools: None) -> None:
    image = fat.make_image(tmp_path / "old.img", fat.BOOT_OUT_8)
    before = fat.digest(image)
    with pytest.raises(PostureError, match="CircuitPython 8.2.10.*9 or newer"):
        deploy_onto(image, project)
    assert fat.digest(image) == before
    assert fat.tree(image) == ["boot_out.txt"]


def test_full_drive_is_reported(tmp_path: Path, project: Path, fat_tools: None) -> None:
    # 160 KB: smaller than firmware and libraries as source
    image = fat.make_image(tmp_path / "tiny.img", fat.BOOT_OUT_9, size_kb=160)
    target = fat.MtoolsTarget(image)
    plan = deploy.plan(target, root=project)
    with pytest.raises(PostureError, match="is full"):
        deploy.apply(plan, target)
    fat.fsck(image)
    want = expected.all_files(project)
    for rel in fat.tree(image):  # whatever made it is whole; the rest is missing, not cut short
        if rel in want:
            assert fat.mtype(image, rel) == want[rel], rel
