"""Data sources: IDX, CSV and NPZ files, the generators, spec forms and their errors.

No test here touches the network or the real cache: NNCALC_DATA points at tmp_path (or at the shared
copy of MNIST in the one slow test).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from nncalc.data import DataError, Dataset, data_home, load_data, load_source
from nncalc.data.generate import GENERATORS
from nncalc.data.idx import read_idx, read_images, read_labels, write_idx

FIXTURES = Path(__file__).parent / "fixtures" / "data"
SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def empty_cache(tmp_path, monkeypatch):
    """Every test sees an empty cache of its own, never the user's."""
    home = tmp_path / "cache"
    monkeypatch.setenv("NNCALC_DATA", str(home))
    return home


def write_mnist_layout(home: Path, name: str = "mnist", n_train: int = 6, n_test: int = 4) -> None:
    """A small stand-in for MNIST in the cache layout: home/name/<official file names>."""
    folder = home / name
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n) % 10)


# ---------------------------------------------------------------- IDX

TINY_PIXELS = (np.arange(60).reshape(5, 12) * 13) % 256
TINY_PIXELS[0, :2] = 0, 255


def test_tiny_idx_fixture_loads_scaled_with_labels():
    data = load_source({"idx": ["tiny-images-idx3-ubyte.gz", "tiny-labels-idx1-ubyte"]}, base_dir=FIXTURES)
    assert data.X.shape == (5, 12) and data.X.dtype == np.float32
    np.testing.assert_array_equal(data.X, (TINY_PIXELS / 255).astype(np.float32))
    assert data.X[0, 0] == 0.0 and data.X[0, 1] == 1.0       # the two ends of the 0..255 scale
    assert data.y.tolist() == [3, 1, 4, 1, 5] and data.y.dtype == np.int64
    assert data.classes == tuple("012345")                     # labels 0..max, named by number
    assert data.name == "tiny-images-idx3-ubyte.gz"


def test_idx_class_names_option():
    spec = {"idx": ["tiny-images-idx3-ubyte.gz", "tiny-labels-idx1-ubyte"], "classes": list("abcdef")}
    assert load_source(spec, base_dir=FIXTURES).classes == tuple("abcdef")
    with pytest.raises(DataError, match="3 class names for labels up to 5"):
        load_source({**spec, "classes": ["a", "b", "c"]}, base_dir=FIXTURES)


def test_read_idx_any_type_and_byte_order(tmp_path):
    # a big-endian int32 IDX (type 0x0C) written by hand: the reader swaps to native order
    values = np.array([[1, -2, 70000]], dtype=">i4")
    (tmp_path / "v.idx").write_bytes(bytes([0, 0, 0x0C, 2]) + (1).to_bytes(4, "big") + (3).to_bytes(4, "big")
                                     + values.tobytes())
    out = read_idx(tmp_path / "v.idx")
    assert out.tolist() == [[1, -2, 70000]] and out.dtype.isnative


@pytest.mark.parametrize("cut", [3, 10, 20, 40])
def test_truncated_raw_idx_is_a_clear_error(tmp_path, cut):
    raw = gzip.decompress((FIXTURES / "tiny-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "cut").write_bytes(raw[:cut])
    with pytest.raises(DataError, match="truncated|not an IDX file") as info:
        read_images(tmp_path / "cut")
    assert info.value.file == str(tmp_path / "cut")


def test_truncated_gzip_is_a_clear_error(tmp_path):
    data = (FIXTURES / "tiny-images-idx3-ubyte.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="truncated or corrupt gzip"):
        read_images(tmp_path / "cut.gz")


def test_truncated_pixels_name_the_counts(tmp_path):
    raw = gzip.decompress((FIXTURES / "tiny-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "cut").write_bytes(raw[:-5])   # header intact, the last 5 pixels missing
    with pytest.raises(DataError, match=r"truncated: the header announces 5 images of 3x4 \(60 bytes of data\), "
                                        r"the file holds 55"):
        read_images(tmp_path / "cut")


def test_extra_data_after_the_images_is_an_error(tmp_path):
    raw = gzip.decompress((FIXTURES / "tiny-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "long").write_bytes(raw + b"\x00")
    with pytest.raises(DataError, match="data continues past the 5 images"):
        read_images(tmp_path / "long")


def test_labels_file_given_as_images_says_so():
    with pytest.raises(DataError, match=r"expected an IDX file of images \(magic number 0x00000803\), "
                                        r"got 0x00000801 \(a file of labels\?\)"):
        read_images(FIXTURES / "tiny-labels-idx1-ubyte")
    with pytest.raises(DataError, match="expected an IDX file of labels"):
        read_labels(FIXTURES / "tiny-images-idx3-ubyte.gz")


def test_not_an_idx_file(tmp_path):
    (tmp_path / "notes.txt").write_text("hello, world")
    with pytest.raises(DataError, match=r"not an IDX file \(magic number 0x68656c6c\)"):
        read_images(tmp_path / "notes.txt")


def test_image_and_label_counts_must_agree(tmp_path):
    write_idx(tmp_path / "img.gz", np.zeros((3, 2, 2)))
    write_idx(tmp_path / "lab", np.zeros(4))
    with pytest.raises(DataError, match="4 labels for 3 images"):
        load_source({"idx": ["img.gz", "lab"]}, base_dir=tmp_path)


def test_missing_idx_file(tmp_path):
    with pytest.raises(DataError, match="no such file") as info:
        load_source({"idx": ["nope.gz", "lab"]}, base_dir=tmp_path)
    assert info.value.file == str(tmp_path / "nope.gz")


# ---------------------------------------------------------------- the MNIST cache

def test_mnist_from_the_cache_layout(empty_cache):
    write_mnist_layout(empty_cache)
    data = load_data({"train": "mnist:train", "test": "mnist:test"}, base_dir=Path("."))
    assert set(data) == {"train", "test"}
    assert data["train"].X.shape == (6, 784) and data["train"].X.dtype == np.float32
    assert data["test"].y.tolist() == [0, 1, 2, 3]
    assert data["train"].classes == tuple("0123456789") and data["train"].name == "mnist:train"
    assert 0.0 <= data["train"].X.min() and data["train"].X.max() <= 1.0


def test_bare_mnist_means_both_splits(empty_cache):
    write_mnist_layout(empty_cache)
    assert set(load_data("mnist", base_dir=Path("."))) == {"train", "test"}
    assert load_data({"mnist": "test"}, base_dir=Path("."))["train"].name == "mnist:test"


def test_decompressed_cache_files_are_accepted(empty_cache):
    write_mnist_layout(empty_cache)
    folder = empty_cache / "mnist"
    for gz in folder.glob("train-*.gz"):
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    assert load_source("mnist:train", base_dir=Path(".")).X.shape == (6, 784)


def test_fashion_mnist_has_its_class_names(empty_cache):
    write_mnist_layout(empty_cache, "fashion-mnist")
    data = load_source("fashion-mnist:test", base_dir=Path("."))
    assert data.classes[0] == "T-shirt/top" and data.classes[9] == "Ankle boot"


def test_empty_cache_says_exactly_how_to_fetch(empty_cache):
    with pytest.raises(DataError) as info:
        load_source("mnist:train", base_dir=Path("."), file="mnist-mlp.yaml", path=("data", "train"))
    message = str(info.value)
    assert message.startswith("mnist-mlp.yaml: data.train: mnist is not in the data cache")
    assert str(empty_cache / "mnist") in message
    assert "`nncalc data fetch mnist`" in message and "NNCALC_DATA" in message
    assert "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz" in message


def test_mnist_without_a_split_is_refused_for_one_source():
    with pytest.raises(DataError, match="say which split: mnist:train or mnist:test"):
        load_source("mnist", base_dir=Path("."))


def test_limit_keeps_the_first_samples(empty_cache):
    write_mnist_layout(empty_cache)
    data = load_source({"mnist": "train", "limit": 4}, base_dir=Path("."))
    assert data.X.shape == (4, 784) and data.y.tolist() == [0, 1, 2, 3]


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_MNIST / "mnist").is_dir(), reason="the shared copy of MNIST is not here")
def test_real_mnist(monkeypatch):
    monkeypatch.setenv("NNCALC_DATA", str(SHARED_MNIST))
    data = load_data("mnist", base_dir=Path("."))
    train, test = data["train"], data["test"]
    assert train.X.shape == (60000, 784) and test.X.shape == (10000, 784)
    assert train.X.dtype == np.float32 and train.y.dtype == np.int64
    assert train.X.min() == 0.0 and train.X.max() == 1.0
    # label counts of the official files (LeCun et al.; torchvision and Keras report the same)
    assert np.bincount(train.y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(test.y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert train.y[:5].tolist() == [5, 0, 4, 1, 9]             # the famous first five
    assert abs(float(train.X.mean()) - 0.1307) < 1e-4           # the mean every MNIST tutorial normalises by


# ---------------------------------------------------------------- generators

POINTS = sorted(name for name, info in GENERATORS.items() if not info.sequence)
SEQUENCES = sorted(name for name, info in GENERATORS.items() if info.sequence)


@pytest.mark.parametrize("name", POINTS)
def test_generators_are_seeded_and_shaped(name):
    spec = {"generate": name, "samples": 101, "noise": 0.2, "seed": 7}
    a, b = load_source(spec, base_dir=Path(".")), load_source(spec, base_dir=Path("."))
    c = load_source({**spec, "seed": 8}, base_dir=Path("."))
    assert a.X.shape == (101, 2) and a.X.dtype == np.float64 and a.feature_names == ("x1", "x2")
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    if GENERATORS[name].classification:
        assert a.classes == ("0", "1") and a.y.dtype == np.int64 and set(a.y.tolist()) == {0, 1}
    else:
        assert a.classes is None and a.y.shape == (101, 1) and a.y.dtype == np.float64


@pytest.mark.parametrize("name", SEQUENCES)
def test_sequence_generators_are_seeded_and_shaped(name):
    spec = {"generate": name, "samples": 31, "length": 12, "seed": 7}
    a, b = load_source(spec, base_dir=Path(".")), load_source(spec, base_dir=Path("."))
    c = load_source({**spec, "seed": 8}, base_dir=Path("."))
    d = len(GENERATORS[name].features)
    assert a.X.shape == (31, 12, d) and a.X.dtype == np.float64 and a.is_sequence and a.n_features == d
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    default = load_source(name, base_dir=Path("."))
    assert default.X.shape[:2] == (GENERATORS[name].samples, GENERATORS[name].length)


def test_sine_targets_are_the_next_value():
    data = load_source({"generate": "sine", "samples": 5, "length": 30}, base_dir=Path("."))
    assert data.y.shape == (5, 30, 1) and data.classes is None
    np.testing.assert_array_equal(data.X[:, 1:], data.y[:, :-1])       # y[t] = x[t+1] without noise
    assert np.abs(data.X).max() <= 1.0
    noisy = load_source({"generate": "sine", "samples": 5, "length": 30, "noise": 0.1}, base_dir=Path("."))
    np.testing.assert_array_equal(noisy.y, data.y)                        # the noise is on the inputs only
    assert 0.05 < float(np.std(noisy.X - data.X)) < 0.15


def test_adding_marks_one_value_in_each_half_and_sums_them():
    data = load_source({"generate": "adding", "samples": 200, "length": 10, "seed": 3}, base_dir=Path("."))
    values, markers = data.X[:, :, 0], data.X[:, :, 1]
    assert data.y.shape == (200, 1) and data.classes is None and data.feature_names == ("value", "marker")
    assert (markers[:, :5].sum(axis=1) == 1).all() and (markers[:, 5:].sum(axis=1) == 1).all()
    np.testing.assert_allclose(data.y[:, 0], (values * markers).sum(axis=1), rtol=1e-15)
    assert 0.0 <= values.min() and values.max() < 1.0
    # predicting the mean sum scores about 1/6, the baseline the adding problem is judged against
    big = load_source({"generate": "adding", "samples": 20000}, base_dir=Path("."))
    assert abs(float(np.mean((big.y - 1.0) ** 2)) - 1 / 6) < 0.01


def test_parity_is_the_xor_of_the_bits():
    data = load_source({"generate": "parity", "samples": 100, "length": 5}, base_dir=Path("."))
    assert data.classes == ("0", "1") and data.y.dtype == np.int64
    np.testing.assert_array_equal(data.y, data.X[:, :, 0].sum(axis=1).astype(int) % 2)
    assert set(np.unique(data.X).tolist()) == {0.0, 1.0}


@pytest.mark.parametrize("spec, message", [
    ({"generate": "adding", "length": 1}, r"data.length: expected a whole number of at least 2 \(steps"),
    ({"generate": "sine", "length": 0}, r"data.length: expected a whole number of at least 1"),
    ({"generate": "parity", "noise": 0.1}, r"data.noise: unknown key 'noise' for a generate source"),
    ({"generate": "spiral", "length": 5}, r"data.length: unknown key 'length'"),
    ({"generate": "sine", "samples": 10**6, "length": 10**3}, r"data.length: 1,000,000 sequences of 1,000 steps"),
])
def test_bad_sequence_generator_options_are_one_line(spec, message):
    with pytest.raises(DataError, match=message):
        load_source(spec, base_dir=Path("."))


def test_npz_sequences_keep_their_steps_and_lengths(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 1))
    np.savez(tmp_path / "s.npz", x=x, y=y, lengths=np.array([4, 2, 3]))
    data = load_source("s.npz", base_dir=tmp_path)
    assert data.X.shape == (3, 4, 2) and data.y.shape == (3, 4, 1) and data.lengths.tolist() == [4, 2, 3]
    np.testing.assert_array_equal(data.X[0], x[0])
    assert (data.X[1, 2:] == 0).all() and (data.y[1, 2:] == 0).all()      # padding after each length
    np.testing.assert_array_equal(data.X[1, :2], x[1, :2])
    np.savez(tmp_path / "m.npz", x=x, y=np.array([0.5, 1.0, 1.5]))           # many-to-one
    one = load_source("m.npz", base_dir=tmp_path)
    assert one.y.shape == (3, 1) and one.lengths is None
    np.savez(tmp_path / "b.npz", x=x, y=y, lengths=np.array([4, 0, 3]))
    with pytest.raises(DataError, match="'lengths' row 1 is 0; lengths must be 1 to 4"):
        load_source("b.npz", base_dir=tmp_path)
    np.savez(tmp_path / "f.npz", x=x[:, 0], y=y[:, 0], lengths=np.array([1, 1, 1]))
    with pytest.raises(DataError, match="'x' is not sequences"):
        load_source("f.npz", base_dir=tmp_path)
    assert load_source({"npz": "s.npz", "limit": 2}, base_dir=tmp_path).lengths.tolist() == [4, 2]


@pytest.mark.parametrize("name", ["gauss", "spiral", "moons", "circle"])
def test_two_class_sets_are_balanced(name):
    data = load_source({"generate": name, "samples": 301}, base_dir=Path("."))
    assert sorted(np.bincount(data.y).tolist()) == [150, 151]


def test_noiseless_labels_follow_the_playground_rules():
    xor = load_source({"generate": "xor", "samples": 400, "seed": 3}, base_dir=Path("."))
    np.testing.assert_array_equal(xor.y, (xor.X[:, 0] * xor.X[:, 1] >= 0).astype(int))
    assert np.abs(xor.X).min() >= 0.3                     # the Playground's padding off the axes
    circle = load_source({"generate": "circle", "samples": 400}, base_dir=Path("."))
    np.testing.assert_array_equal(circle.y, (np.hypot(*circle.X.T) < 2.5).astype(int))
    plane = load_source({"generate": "plane", "samples": 50}, base_dir=Path("."))
    np.testing.assert_allclose(plane.y[:, 0], plane.X.sum(axis=1) / 10, rtol=0, atol=1e-15)
    spiral = load_source("spiral", base_dir=Path("."))
    assert spiral.X.shape == (500, 2) and np.hypot(*spiral.X.T).max() < 5.0   # radius 0..5, no noise


def test_noise_flips_some_playground_labels():
    xor = load_source({"generate": "xor", "samples": 2000, "noise": 0.5}, base_dir=Path("."))
    agree = (xor.y == (xor.X[:, 0] * xor.X[:, 1] >= 0)).mean()
    assert 0.55 < agree < 0.95


# ---------------------------------------------------------------- CSV

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_string_labels_become_sorted_classes(tmp_path):
    write(tmp_path, "flowers.csv", "length,width,species\n1.4,0.2,setosa\n4.7,1.4,versicolor\n"
                                   "1.3,0.2,setosa\n6.0,2.5,virginica\n")
    data = load_source({"csv": "flowers.csv", "target": "species"}, base_dir=tmp_path)
    assert data.classes == ("setosa", "versicolor", "virginica")
    assert data.y.tolist() == [0, 1, 0, 2] and data.y.dtype == np.int64
    np.testing.assert_array_equal(data.X, [[1.4, 0.2], [4.7, 1.4], [1.3, 0.2], [6.0, 2.5]])
    assert data.X.dtype == np.float64 and data.feature_names == ("length", "width") and data.name == "flowers.csv"


def test_csv_numeric_target_is_regression_unless_told(tmp_path):
    write(tmp_path, "d.csv", "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,10\n")
    reg = load_source({"csv": "d.csv", "target": "y"}, base_dir=tmp_path)
    assert reg.classes is None and reg.y.shape == (4, 1) and reg.y[:, 0].tolist() == [0, 1, 1, 10]
    cls = load_source({"csv": "d.csv", "target": "y", "task": "classification"}, base_dir=tmp_path)
    assert cls.classes == ("0", "1", "10") and cls.y.tolist() == [0, 1, 1, 2]   # numeric order: 10 after 1


def test_csv_numbers_sort_numerically_not_as_text(tmp_path):
    write(tmp_path, "d.csv", "x,k\n1,10\n2,2\n3,1\n")
    data = load_source({"csv": "d.csv", "target": "k", "task": "classification"}, base_dir=tmp_path)
    assert data.classes == ("1", "2", "10") and data.y.tolist() == [2, 1, 0]


def test_csv_several_targets_and_chosen_features(tmp_path):
    write(tmp_path, "d.csv", "a,b,c,t1,t2\n1,2,3,4,5\n6,7,8,9,10\n")
    data = load_source({"csv": "d.csv", "target": ["t1", "t2"], "features": ["c", "a"]}, base_dir=tmp_path)
    np.testing.assert_array_equal(data.X, [[3, 1], [8, 6]])
    np.testing.assert_array_equal(data.y, [[4, 5], [9, 10]])
    assert data.feature_names == ("c", "a")


def test_csv_target_guessed_or_absent(tmp_path):
    write(tmp_path, "with_label.csv", "p1,p2,label\n0.5,0.5,cat\n0.1,0.9,dog\n")
    assert load_source("with_label.csv", base_dir=tmp_path).classes == ("cat", "dog")
    write(tmp_path, "digits.csv", "p1,p2\n0.5,0.5\n0.1,0.9\n")
    data = load_source("digits.csv", base_dir=tmp_path)
    assert data.y.shape == (2, 0) and data.classes is None and not data.has_targets


def test_csv_quoted_numbers_take_the_careful_path(tmp_path):
    write(tmp_path, "q.csv", 'x,"y"\n"1.5",2\n"2.5",3\n')
    data = load_source({"csv": "q.csv", "target": "y"}, base_dir=tmp_path)
    np.testing.assert_array_equal(data.X[:, 0], [1.5, 2.5])


@pytest.mark.parametrize("row,problem", [
    ("1,abc,x", r"row 2, column 'f2': 'abc' is not a number"),
    ("1,,x", r"row 2, column 'f2': empty value"),
    ("1,nan,x", r"row 2, column 'f2': nan is not a finite number"),
    ("1,-inf,x", r"row 2, column 'f2': -inf is not a finite number"),
    ("1,2", r"row 2: 2 values, but the header names 3 columns"),
])
def test_csv_bad_values_name_line_row_and_column(tmp_path, row, problem):
    path = write(tmp_path, "bad.csv", f"f1,f2,t\n1,2,x\n{row}\n3,4,y\n")
    with pytest.raises(DataError, match=problem) as info:
        load_source({"csv": "bad.csv", "target": "t"}, base_dir=tmp_path)
    assert info.value.file == str(path) and info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: row 2")


def test_csv_nan_in_a_numeric_target(tmp_path):
    write(tmp_path, "d.csv", "x,y\n1,2\n2,nan\n")
    with pytest.raises(DataError, match="row 2, column 'y': nan is not a finite number"):
        load_source({"csv": "d.csv", "target": "y"}, base_dir=tmp_path)
    with pytest.raises(DataError, match="row 2, column 'y': nan is not a finite number"):
        load_source({"csv": "d.csv", "target": "y", "task": "classification"}, base_dir=tmp_path)


def test_csv_regression_on_labels_is_an_error(tmp_path):
    write(tmp_path, "d.csv", "x,y\n1,cat\n")
    with pytest.raises(DataError, match="row 1, column 'y': 'cat' is not a number"):
        load_source({"csv": "d.csv", "target": "y", "task": "regression"}, base_dir=tmp_path)


@pytest.mark.parametrize("text,spec,problem", [
    ("x,y\n1,2\n", {"target": "Y"}, r"no target column 'Y' \(did you mean 'y'\?\); the columns are x, y"),
    ("", {"target": "y"}, "empty file; expected a header row"),
    ("x,y\n", {"target": "y"}, "no data rows after the header"),
    ("x,x,y\n1,2,3\n", {"target": "y"}, "column 'x' appears twice"),
    ("y\n1\n", {"target": "y"}, "no feature columns left"),
    ("a,b,c\n1,2,3\n", {"target": ["a", "b"], "task": "classification"}, "needs exactly one target column"),
])
def test_csv_structure_errors(tmp_path, text, spec, problem):
    write(tmp_path, "d.csv", text)
    with pytest.raises(DataError, match=problem):
        load_source({"csv": "d.csv", **spec}, base_dir=tmp_path)


def test_csv_relative_paths_resolve_against_the_problem_folder(tmp_path):
    (tmp_path / "problems").mkdir()
    write(tmp_path / "problems", "d.csv", "x,y\n1,2\n")
    assert load_source({"csv": "d.csv", "target": "y"}, base_dir=tmp_path / "problems").n_samples == 1
    with pytest.raises(DataError, match="no such file") as info:
        load_source({"csv": "d.csv", "target": "y"}, base_dir=tmp_path)
    assert info.value.file == str(tmp_path / "d.csv")


def test_csv_other_delimiter(tmp_path):
    write(tmp_path, "d.tsv.csv", "x;y\n1,5;a\n2;b\n")
    with pytest.raises(DataError, match="'1,5' is not a number"):
        load_source({"csv": "d.tsv.csv", "target": "y", "delimiter": ";"}, base_dir=tmp_path)


# ---------------------------------------------------------------- NPZ

def test_npz_with_both_splits_gives_both(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "d.npz", x_train=rng.integers(0, 256, (6, 2, 2), dtype=np.uint8), y_train=np.arange(6) % 3,
             x_test=rng.integers(0, 256, (2, 2, 2), dtype=np.uint8), y_test=np.array([2, 0]))
    data = load_data({"npz": "d.npz"}, base_dir=tmp_path)
    assert set(data) == {"train", "test"}
    train, test = data["train"], data["test"]
    assert train.X.shape == (6, 4) and train.X.dtype == np.float32 and train.X.max() <= 1.0  # bytes are pixels
    assert train.classes == ("0", "1", "2") and test.y.tolist() == [2, 0] and test.name == "d.npz:test"
    only_test = load_source({"npz": "d.npz", "split": "test"}, base_dir=tmp_path)
    assert only_test.n_samples == 2
    assert load_source("d.npz:test", base_dir=tmp_path).n_samples == 2
    assert set(load_data({"npz": "d.npz", "split": "train"}, base_dir=tmp_path)) == {"train"}


def test_npz_plain_x_y_regression(tmp_path):
    np.savez(tmp_path / "r.npz", x=np.array([[0.5, 1.0], [1.5, 2.0]]), y=np.array([0.25, 0.75]))
    data = load_source({"npz": "r.npz"}, base_dir=tmp_path)
    assert data.X.dtype == np.float64 and data.classes is None and data.y.shape == (2, 1)
    assert data.name == "r.npz"


def test_npz_float_labels_must_be_whole_for_classification(tmp_path):
    np.savez(tmp_path / "r.npz", x=np.ones((2, 1)), y=np.array([0.25, 1.0]))
    with pytest.raises(DataError, match="not whole numbers"):
        load_source({"npz": "r.npz", "task": "classification"}, base_dir=tmp_path)
    np.savez(tmp_path / "w.npz", x=np.ones((2, 1)), y=np.array([1.0, 0.0]))
    assert load_source({"npz": "w.npz", "task": "classification"}, base_dir=tmp_path).y.tolist() == [1, 0]


def test_npz_one_hot_targets_for_classification(tmp_path):
    np.savez(tmp_path / "h.npz", x=np.ones((3, 1)), y=np.eye(3)[[2, 0, 1]])
    assert load_source({"npz": "h.npz", "task": "classification"}, base_dir=tmp_path).y.tolist() == [2, 0, 1]
    assert load_source({"npz": "h.npz"}, base_dir=tmp_path).y.shape == (3, 3)    # float targets as they are


def test_npz_refuses_pickles_and_says_what_it_holds(tmp_path):
    np.savez(tmp_path / "o.npz", x=np.array([{"a": 1}], dtype=object), y=np.array([1]))
    with pytest.raises(DataError, match="array .x.: holds Python objects"):
        load_source({"npz": "o.npz"}, base_dir=tmp_path)
    np.savez(tmp_path / "k.npz", images=np.ones((2, 2)))
    with pytest.raises(DataError, match="no array 'x' or 'y' in the archive \\(it holds images"):
        load_source({"npz": "k.npz"}, base_dir=tmp_path)
    write(tmp_path, "fake.npz", "not a zip")
    with pytest.raises(DataError, match="not a readable .npz archive"):
        load_source("fake.npz", base_dir=tmp_path)


def test_npz_nan_inputs_and_mismatched_rows(tmp_path):
    np.savez(tmp_path / "n.npz", x=np.array([[1.0], [np.nan]]), y=np.array([0, 1]))
    with pytest.raises(DataError, match="'x' row 1 holds NaN or infinity"):
        load_source({"npz": "n.npz"}, base_dir=tmp_path)
    np.savez(tmp_path / "m.npz", x=np.ones((3, 1)), y=np.array([0, 1]))
    with pytest.raises(DataError, match="'y' must be numeric with 3 rows"):
        load_source({"npz": "m.npz"}, base_dir=tmp_path)


# ---------------------------------------------------------------- spec forms and their errors

@pytest.mark.parametrize("spec,where,problem", [
    ("spirl", "data", r"unknown data source 'spirl' \(did you mean 'spiral'\?\)"),
    ("mnist:valid", "data", "unknown split 'valid' of mnist"),
    ("data.txt", "data", "unknown data source 'data.txt'"),
    (42, "data", "expected a source name or a mapping, got int 42"),
    ({"csv": "a.csv", "npz": "b.npz"}, "data", "found 2 \\(csv, npz\\)"),
    ({"target": "y"}, "data", "expected exactly one of csv, npz, idx, generate, mnist, fashion-mnist"),
    ({"csv": "a.csv", "trget": "y"}, "data.trget", r"unknown key 'trget' \(did you mean 'target'\?\)"),
    ({"generate": "spiral", "samples": 0}, "data.samples", "expected a whole number of at least 1, got 0"),
    ({"generate": "spiral", "samples": True}, "data.samples", "expected a whole number"),
    ({"generate": "spiral", "noise": -1}, "data.noise", "expected a number of at least 0"),
    ({"generate": "spiral", "seed": 1.5}, "data.seed", "expected a whole number of at least 0"),
    ({"generate": "spirals"}, "data.generate", r"unknown generator 'spirals' \(did you mean 'spiral'\?\)"),
    ({"generate": ["spiral"]}, "data.generate", r"unknown generator \['spiral'\]"),
    ({"csv": ["a.csv"]}, "data.csv", r"expected a file name, got \['a.csv'\]"),
    ({"csv": "a.csv", "task": "clustering"}, "data.task", "expected classification or regression"),
    ({"idx": ["only-one.gz"]}, "data.idx", r"expected \[images file, labels file\]"),
    ({"mnist": "validation"}, "data.mnist", "expected train or test"),
    ({"npz": "d.npz", "split": "val"}, "data.split", "expected train or test"),
])
def test_bad_specs_name_the_file_and_key(spec, where, problem):
    with pytest.raises(DataError, match=problem) as info:
        load_source(spec, base_dir=Path("."), file="p.yaml")
    assert info.value.file == "p.yaml" and info.value.where == where


def test_load_data_split_mapping_errors():
    with pytest.raises(DataError, match=r"unknown key 'tset' next to train/test") as info:
        load_data({"train": "spiral", "tset": "spiral"}, base_dir=Path("."), file="p.yaml")
    assert info.value.where == "data.tset"
    with pytest.raises(DataError, match="missing 'train:'"):
        load_data({"test": "spiral"}, base_dir=Path("."))
    with pytest.raises(DataError, match=r"unknown generator 'nope'") as info:
        load_data({"train": {"generate": "nope"}}, base_dir=Path("."), file="p.yaml")
    assert info.value.where == "data.train.generate"


def test_load_data_forms():
    both = load_data({"train": {"generate": "moons", "seed": 1}, "test": {"generate": "moons", "seed": 2}},
                     base_dir=Path("."))
    assert set(both) == {"train", "test"} and not np.array_equal(both["train"].X, both["test"].X)
    assert set(load_data("xor", base_dir=Path("."))) == {"train"}
    assert set(load_data({"generate": "gauss", "samples": 10}, base_dir=Path("."))) == {"train"}


def test_dataset_is_frozen():
    data = load_source("gauss", base_dir=Path("."))
    assert isinstance(data, Dataset)
    with pytest.raises(AttributeError):
        data.name = "other"  # type: ignore[misc]


# ---------------------------------------------------------------- the cache folder

def test_data_home_follows_nncalc_data_then_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("NNCALC_DATA", str(tmp_path / "here"))
    assert data_home() == tmp_path / "here"
    monkeypatch.setenv("NNCALC_DATA", "~/nn-data")
    assert data_home() == Path.home() / "nn-data"
    monkeypatch.setenv("NNCALC_DATA", "")
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_home() == tmp_path / "xdg" / "nncalc"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert data_home() == Path.home() / ".cache" / "nncalc"
    monkeypatch.setattr("sys.platform", "darwin")
    assert data_home() == Path.home() / "Library" / "Caches" / "nncalc"
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert data_home() == tmp_path / "local" / "nncalc" / "Cache"


def test_npz_without_samples_is_a_data_error(tmp_path):
    np.savez(tmp_path / "e.npz", x=np.ones((0, 2)), y=np.zeros(0, dtype=np.int64))
    with pytest.raises(DataError, match=r"'x' has no samples \(shape \(0, 2\)\)"):
        load_source({"npz": "e.npz"}, base_dir=tmp_path)
    np.savez(tmp_path / "w.npz", x=np.ones((3, 0)), y=np.zeros(3, dtype=np.int64))
    with pytest.raises(DataError, match="'x' has no values per sample"):
        load_source({"npz": "w.npz"}, base_dir=tmp_path)


def test_npz_label_beyond_any_sane_class_count_is_refused(tmp_path):
    # 10**9 would otherwise build a billion class names
    np.savez(tmp_path / "b.npz", x=np.ones((2, 1)), y=np.array([0, 10**9]))
    with pytest.raises(DataError, match=r"'y' row 1 holds the label 1,000,000,000; class labels must be 0 to 99,999"):
        load_source({"npz": "b.npz"}, base_dir=tmp_path)


HUGE_HEADER = bytes([0, 0, 0x08, 3]) + (4_000_000_000).to_bytes(4, "big") * 3


@pytest.mark.parametrize("reader", [read_idx, read_images])
def test_idx_header_announcing_a_huge_array_is_a_data_error(tmp_path, reader):
    (tmp_path / "raw").write_bytes(HUGE_HEADER + bytes(10))
    with pytest.raises(DataError, match=r"truncated: the header announces .* the file holds 10$"):
        reader(tmp_path / "raw")
    (tmp_path / "z.gz").write_bytes(gzip.compress(HUGE_HEADER + bytes(10)))
    with pytest.raises(DataError, match="more data than fits in memory") as info:
        reader(tmp_path / "z.gz")
    assert info.value.file == str(tmp_path / "z.gz")


def test_suggestions_prefer_the_same_name_in_another_case(tmp_path):
    # one suggestion helper for every module: 'XOR' shares no letter with 'xor' as difflib compares
    with pytest.raises(DataError, match=r"unknown data source 'XOR' \(did you mean 'xor'\?\)"):
        load_source("XOR", base_dir=tmp_path)
    from nncalc.errors import suggest
    assert suggest("Label", ["x", "label"]) == " (did you mean 'label'?)"
    assert suggest("zzz", ["x", "label"]) == ""


@pytest.mark.parametrize("spec,path", [
    ({"train": {"idx": ["images.gz", "labels\0"]}}, ("data", "train", "idx", 1)),
    ({"train": "spiral", "tset": "spiral"}, ("data", "tset")),
    ({"generate": "sine", "length": 0}, ("data", "length")),
    ({"csv": "d.csv", "limit": 0}, ("data", "limit")),
])
def test_a_bad_source_carries_its_key_path_as_a_tuple(spec, path):
    """check_data's DataError holds the key path itself (path), and `where` writes the same path out."""
    from nncalc.data.sources import check_data
    from nncalc.yamlio import format_path

    with pytest.raises(DataError) as info:
        check_data(spec, "p.yaml")
    assert info.value.path == path and info.value.where == format_path(path)


def test_a_bad_source_in_a_problem_file_names_its_yaml_line(tmp_path):
    """The loader finds the line from the error's key path: data.train.idx[1] is line 9 here."""
    from nncalc.errors import ProblemError
    from nncalc.problem import load_problem

    path = write(tmp_path, "p.yaml", "network:\n  inputs: [x1, x2]\n  layers:\n    - units: [y]\n"
                 "      weights: [[0.1, 0.2]]\n      bias: [0]\ndata:\n  train:\n    idx: [images.gz,\n"
                 "          \"labels\\0\"]\n")
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert str(info.value).startswith(f"{path}:10: data.train.idx[1]: the file name")
