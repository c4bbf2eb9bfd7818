"""Data and model files written to break nncalc: each is one line naming the file and the place,
exit code 2, refused before anything large is allocated (issue 9, "inputs that end in internal
error"). The CLI runs in-process, so a refusal that allocated or read too much would show here as
a MemoryError, an internal error or a test that never ends."""

from __future__ import annotations

import io
import os
import textwrap
import zipfile

import numpy as np
import pytest

from nncalc.data import DataError, load_source
from nncalc.npz import NpzArchive, read_npz

TRAINABLE = """\
name: tiny classifier
network:
  inputs: [x1, x2]
  layers:
    - {units: [a, b], activation: softmax}
loss: cross_entropy
init: xavier
seed: 0
training: {epochs: 1}
data: DATA
"""


def problem(tmp_path, data: str) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(TRAINABLE.replace("DATA", data))
    return str(path)


def one_line(result, *needles) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nncalc: error: ") and "internal error" not in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ---------------------------------------------------------------- CSV

def test_a_csv_value_past_the_field_limit_is_one_line_with_its_line(cli, tmp_path):
    (tmp_path / "d.csv").write_text("x1,x2,label\n0.1,0.2,a\n0.3," + "9" * 200_000 + ",b\n")
    one_line(cli("train", problem(tmp_path, "d.csv"), "-qq"), "d.csv:3", "longer than 131,072 characters")


def test_a_quote_left_open_is_one_line_not_an_internal_error(tmp_path):
    (tmp_path / "d.csv").write_text('x1,x2,label\n0.1,"0.2,a\n' + "0.3,0.4,b\n" * 20_000)
    with pytest.raises(DataError, match="d.csv:2: a value longer than"):
        load_source("d.csv", base_dir=tmp_path)


def test_a_csv_row_with_extra_values_is_refused_as_short_rows_are(cli, tmp_path):
    (tmp_path / "d.csv").write_text("x1,x2,label\n0.1,0.2,0\n0.3,0.4,1,7\n")   # all numbers: the fast parser
    one_line(cli("train", problem(tmp_path, "d.csv"), "-qq"), "d.csv:3", "row 2", "4 values", "3 columns")
    (tmp_path / "q.csv").write_text('x1,x2,label\n0.1,0.2,"a"\n0.3,0.4,"b",7\n')     # the careful path too
    with pytest.raises(DataError, match="q.csv:3: row 2: 4 values"):
        load_source("q.csv", base_dir=tmp_path)


def test_a_bad_value_holding_a_quoted_line_break_is_one_line_naming_where_it_starts(cli, tmp_path):
    (tmp_path / "d.csv").write_text('x1,x2,label\n0.1,0.2,a\n0.3,"4\n5",b\n')
    line = one_line(cli("train", problem(tmp_path, "d.csv"), "-qq"), "d.csv:3", "row 2, column 'x2'")
    assert "'4\\n5' is not a number" in line


def test_csv_bytes_that_are_not_utf8_name_the_line(tmp_path):
    (tmp_path / "d.csv").write_bytes(b"x1,x2,label\n0.1,0.2,a\n0.3,0.4,\xff\xfe\n")
    with pytest.raises(DataError, match="not UTF-8"):
        load_source("d.csv", base_dir=tmp_path)


def test_a_nul_byte_in_a_data_path_names_the_problem_file_and_key(cli, tmp_path):
    line = one_line(cli("train", problem(tmp_path, '"d\\0.csv"'), "-qq"), "p.yaml", "data", "NUL byte")
    assert "\x00" not in line
    one_line(cli("train", problem(tmp_path, '{csv: "d\\0.csv"}'), "-qq"), "p.yaml", "data.csv", "NUL byte")


@pytest.mark.parametrize("make", ["fifo", "folder"])
def test_a_data_path_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path, make):
    path = tmp_path / "d.csv"
    os.mkfifo(path) if make == "fifo" else path.mkdir()
    with pytest.raises(DataError, match="d.csv: is (a FIFO \\(named pipe\\)|a folder), expected a CSV file"):
        load_source("d.csv", base_dir=tmp_path)            # a FIFO would block here for ever


# ---------------------------------------------------------------- .npz: lying headers, zip bombs

def npy_bytes(header: str, payload: bytes) -> bytes:
    """A .npy file (format 1.0) with any header text, padded as numpy pads it."""
    head = header.encode("latin1")
    head += b" " * (63 - (10 + len(head)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head + payload


def write_zip(path, entries: dict[str, bytes], compression=zipfile.ZIP_STORED) -> str:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return str(path)


LYING = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 2), }"


def test_a_lying_npy_header_in_a_data_file_is_refused_before_allocating(cli, tmp_path):
    y = io.BytesIO()
    np.save(y, np.array([0, 1]))
    write_zip(tmp_path / "d.npz", {"x.npy": npy_bytes(LYING, b"\0" * 32), "y.npy": y.getvalue()})
    one_line(cli("train", problem(tmp_path, "d.npz"), "-qq"), "d.npz", "array 'x'", "header announces",
             "1000000000000 x 2")


def test_a_lying_npy_header_in_a_model_is_refused_before_allocating(cli, tmp_path):
    write_zip(tmp_path / "m.npz", {"W1.npy": npy_bytes(LYING, b"\0" * 32)})
    one_line(cli("evaluate", tmp_path / "m.npz", "--data", "spiral"), "m.npz", "array 'W1'", "header announces")


def test_a_zip_bomb_is_refused_before_it_is_inflated(cli, tmp_path):
    n = 100 << 20                               # 100 MiB of zeros deflate to about 100 kB
    bomb = npy_bytes(f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({n},), }}", bytes(n))
    write_zip(tmp_path / "m.npz", {"W1.npy": bomb}, zipfile.ZIP_DEFLATED)
    assert os.path.getsize(tmp_path / "m.npz") < n // 200
    one_line(cli("evaluate", tmp_path / "m.npz", "--data", "spiral"), "m.npz", "array 'W1'", "zip bomb")
    one_line(cli("train", problem(tmp_path, "m.npz"), "-qq"), "m.npz", "zip bomb")


def test_an_archive_larger_than_the_limit_is_refused_from_its_directory(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((100, 10)), y=np.zeros(100))
    with pytest.raises(DataError, match="more than the limit of 4,000 bytes"):
        NpzArchive(tmp_path / "d.npz", error=DataError, max_bytes=4000)


def test_object_arrays_are_never_unpickled(tmp_path, monkeypatch):
    np.savez(tmp_path / "o.npz", x=np.array([{"a": 1}], dtype=object))
    import pickle

    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    with pytest.raises(DataError, match="array 'x': holds Python objects"):
        read_npz(tmp_path / "o.npz", error=DataError)


def test_a_damaged_entry_names_the_array(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.arange(1000, dtype=np.float64))
    raw = bytearray((tmp_path / "d.npz").read_bytes())
    raw[600] ^= 0xFF                            # a flipped byte in x's values: the CRC no longer matches
    (tmp_path / "d.npz").write_bytes(bytes(raw))
    with pytest.raises(DataError, match="array 'x': damaged"):
        read_npz(tmp_path / "d.npz", error=DataError)


def test_a_plain_npy_file_is_not_an_archive(tmp_path):
    with open(tmp_path / "x.npz", "wb") as handle:     # np.save would add .npy to the name
        np.save(handle, np.zeros(3))
    with pytest.raises(DataError, match="a single .npy array"):
        read_npz(tmp_path / "x.npz", error=DataError)


def test_the_safe_reader_gives_what_numpy_saved(tmp_path):
    arrays = {"a": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.asfortranarray(np.eye(3)),
              "c": np.array([True, False]), "d": np.array(["x", "yz"]), "e": np.zeros((0, 5)),
              "f": np.array(3.5), "g": np.arange(4, dtype=">i4")}
    np.savez_compressed(tmp_path / "d.npz", **arrays)
    got = read_npz(tmp_path / "d.npz")
    assert sorted(got) == sorted(arrays)
    for name, value in arrays.items():
        assert got[name].dtype == value.dtype and got[name].shape == value.shape
        np.testing.assert_array_equal(got[name], value)


def test_an_entry_in_an_unknown_compression_is_one_error_naming_it(tmp_path):
    np.savez(tmp_path / "m.npz", W1=np.zeros(3))
    raw = bytearray((tmp_path / "m.npz").read_bytes())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):          # the method field of both headers: 99 (unknown)
        at = raw.find(header)
        offset = at + (8 if header == b"PK\x03\x04" else 10)
        raw[offset:offset + 2] = (99).to_bytes(2, "little")
    (tmp_path / "m.npz").write_bytes(bytes(raw))
    with pytest.raises(DataError, match="m.npz: array 'W1': damaged"):
        read_npz(tmp_path / "m.npz", error=DataError)


def test_corrupt_deflated_data_is_one_error_naming_the_array(tmp_path):
    np.savez_compressed(tmp_path / "d.npz", x=np.arange(5000, dtype=np.float64))
    raw = bytearray((tmp_path / "d.npz").read_bytes())
    start = raw.find(b"x.npy") + len(b"x.npy")          # the deflated stream follows the local header's name
    raw[start + 40:start + 400] = bytes(range(256)) + bytes(range(104))
    (tmp_path / "d.npz").write_bytes(bytes(raw))
    with pytest.raises(DataError, match="d.npz: array 'x': damaged"):
        read_npz(tmp_path / "d.npz", error=DataError)
