"""Atomic output files: whole or absent, never partial, with the permissions of a normal file."""

import os
from pathlib import Path
import stat

import pytest

from nncalc.errors import NncalcError
from nncalc.fileio import atomic_open, write_text_atomic


def test_written_file_follows_the_umask_not_mkstemps_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "out.md", "hello")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.md").stat().st_mode) == 0o644


def test_failure_midway_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as handle:
            handle.write("half of the new")
            raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_missing_folder_is_an_nncalc_error_naming_the_file(tmp_path):
    with pytest.raises(NncalcError, match="does not exist") as info:
        write_text_atomic(tmp_path / "nope" / "out.txt", "x")
    assert "out.txt" in str(info.value)


def test_an_unwritable_target_is_one_nncalc_error_not_an_oserror(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()                      # a folder where the file should go: os.replace fails
    with pytest.raises(NncalcError, match="cannot write") as info:
        write_text_atomic(target, "x")
    assert "taken" in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]      # no temporary left behind


# ---------------------------------------------------------------- targets that are not regular files

import errno
import subprocess
import sys
import threading

import numpy as np


def _device(tmp_path, name, minor):
    """A copy of /dev/null (minor 3) or /dev/full (minor 7), or a skip where mknod is not allowed."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (PermissionError, AttributeError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc})")
    return path


def _only(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir())


def test_output_to_a_device_writes_through_and_leaves_the_device(cli, tmp_path):
    null = _device(tmp_path, "null", 3)
    result = cli("forward", "nnbasic", "-o", null)
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert _only(tmp_path) == ["null"]


def test_save_and_log_to_a_device_leave_the_device(cli, tmp_path):
    null = _device(tmp_path, "null.npz", 3)
    log = _device(tmp_path, "log", 3)
    result = cli("train", "nnbasic", "--steps", "2", "--save", null, "--log", log, "-qq")
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(null).st_mode) and stat.S_ISCHR(os.stat(log).st_mode)
    assert _only(tmp_path) == ["log", "null.npz"]


def test_a_full_device_is_one_line_no_space_left_and_exit_2(cli, tmp_path):
    full = _device(tmp_path, "full", 7)
    result = cli("forward", "nnbasic", "-o", full)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"nncalc: error: {full}: cannot write: No space left on device"]
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_full_disk_under_a_regular_file_is_one_line_and_leaves_no_temporary(cli, tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = cli("forward", "nnbasic", "-o", target)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"nncalc: error: {target}: cannot write: No space left on device"]
    assert target.read_text() == "old" and _only(tmp_path) == ["out.txt"]


def test_output_to_a_fifo_streams_to_its_reader_and_keeps_the_fifo(cli, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    result = cli("forward", "nnbasic", "-o", fifo)
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert "E_total" in got[0]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and _only(tmp_path) == ["fifo"]


def test_a_link_to_this_process_stdout_writes_to_stdout_and_stays_a_link(tmp_path):
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")
    if not Path("/proc/self/fd/1").exists():
        pytest.skip("no /proc here")
    done = subprocess.run([sys.executable, "-m", "nncalc", "forward", "nnbasic", "-o", str(link)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "E_total" in done.stdout
    assert link.is_symlink() and _only(tmp_path) == ["out"]


def test_a_link_to_a_regular_file_stays_a_link_and_its_target_is_replaced(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to("real.txt")
    write_text_atomic(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_text() == "new"
    assert _only(tmp_path) == ["link.txt", "real.txt"]


def test_replacing_a_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomic(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_folder_as_output_is_one_error(tmp_path):
    with pytest.raises(NncalcError, match="is a folder"):
        write_text_atomic(tmp_path, "x")


# ---------------------------------------------------------------- Ctrl-C in the middle of a write

def test_ctrl_c_in_the_middle_of_saving_a_model_leaves_the_old_file_and_no_temporary(cli, tmp_path, monkeypatch):
    target = tmp_path / "m.npz"
    target.write_bytes(b"old")
    real = np.savez

    def interrupted(handle, **arrays):
        handle.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    result = cli("train", "nnbasic", "--steps", "2", "--save", target, "-qq")
    monkeypatch.setattr(np, "savez", real)
    assert result.exit_code == 130
    assert target.read_bytes() == b"old" and _only(tmp_path) == ["m.npz"]


def test_ctrl_c_in_the_middle_of_an_output_leaves_no_temporary(cli, tmp_path, monkeypatch):
    from nncalc.cli import common

    target = tmp_path / "out.md"

    def interrupted(path, text):
        with common_fileio.atomic_open(path) as handle:
            handle.write(text[: len(text) // 2])
            raise KeyboardInterrupt

    import nncalc.fileio as common_fileio

    monkeypatch.setattr(common_fileio, "write_text_atomic", interrupted)
    result = cli("forward", "nnbasic", "-o", target, "--format", "markdown")
    assert result.exit_code == 130
    assert _only(tmp_path) == []


# ---------------------------------------------------------------- inputs that are not regular files

@pytest.mark.parametrize("kind", ["fifo", "folder", "device", "missing", "nul"])
def test_every_input_file_is_refused_in_one_wording_whatever_reads_it(tmp_path, kind):
    """Problem and answers files (yamlio.read_text) and data and model files (fileio.require_regular)
    go through one check, so a FIFO, a folder, a device, a missing file or a NUL byte in the name
    reads the same whichever file it is given as."""
    from nncalc.fileio import require_regular
    from nncalc.yamlio import read_text

    path = {"fifo": tmp_path / "p.yaml", "folder": tmp_path, "device": Path("/dev/null"),
            "missing": tmp_path / "none.yaml", "nul": tmp_path / "a\0b.yaml"}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    messages = []
    for read in (lambda: read_text(path, what="a YAML file"), lambda: require_regular(path, expected="a YAML file")):
        with pytest.raises(NncalcError) as info:
            read()
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert messages[0] == f"{path}: " + {
        "fifo": "is a FIFO (named pipe), expected a YAML file; nncalc reads regular files only",
        "folder": "is a folder, expected a YAML file",
        "device": "is a device, expected a YAML file; nncalc reads regular files only",
        "missing": "no such file", "nul": "the file name holds a NUL byte"}[kind]
