"""Atomic output files: whole or absent, never partial, with the permissions of a normal file."""

import os
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
