"""`fetch` and `nncalc data`: downloads from a local HTTP server on 127.0.0.1, never the internet.

The server serves small generated IDX files under the official MNIST names; the tests hand `fetch`
their SHA-256 sums (or patch the built-in table), and make mirrors fail in every way a real one can:
missing files, wrong bytes, a connection closed mid-file, a stall, nobody listening.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import io
import socket
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from nncalc.cli import app
from nncalc.data import DataError, fetch, load_source
from nncalc.data import cache as cache_module
from nncalc.data.cache import REMOTE

NAMES = [f.name for f in REMOTE["mnist"].files]
SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "mnist"


def idx_bytes(array: np.ndarray) -> bytes:
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)


def small_mnist() -> dict[str, bytes]:
    """The four files, a few 28x28 images each; the train images are big enough to arrive in chunks."""
    rng = np.random.default_rng(0)
    return {
        "train-images-idx3-ubyte.gz": idx_bytes(rng.integers(0, 256, (120, 28, 28))),
        "train-labels-idx1-ubyte.gz": idx_bytes(np.arange(120) % 10),
        "t10k-images-idx3-ubyte.gz": idx_bytes(rng.integers(0, 256, (5, 28, 28))),
        "t10k-labels-idx1-ubyte.gz": idx_bytes(np.arange(5)),
    }


FILES = small_mnist()
SUMS = {name: hashlib.sha256(data).hexdigest() for name, data in FILES.items()}


class Mirror:
    """A local HTTP server; `behaviour` (file name -> 'ok', 'missing', 'corrupt', 'cut', 'stall')."""

    def __init__(self, files: dict[str, bytes], behaviour: dict[str, str] | None = None) -> None:
        self.files, self.behaviour, self.requests = files, dict(behaviour or {}), []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                name = self.path.rsplit("/", 1)[-1]
                mirror.requests.append(name)
                how = mirror.behaviour.get(name, "ok")
                body = mirror.files.get(name)
                if body is None or how == "missing":
                    self.send_error(404)
                    return
                if how == "corrupt":
                    body = body[:-1] + bytes([body[-1] ^ 0xFF])
                if how == "stall":
                    time.sleep(2.0)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if how == "cut":  # promise the whole file, send half, hang up
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class QuietServer(http.server.ThreadingHTTPServer):
    """A stalled request's handler may write after the client hung up, when the test has ended:
    its BrokenPipeError must not be printed into a later test's captured output."""

    def handle_error(self, request, client_address) -> None:
        pass


@pytest.fixture
def mirrors():
    started: list[Mirror] = []

    def start(files=FILES, **behaviour) -> Mirror:
        started.append(Mirror(files, {k.replace("_", "-") + ".gz": v for k, v in behaviour.items()}))
        return started[-1]

    yield start
    for mirror in started:
        mirror.close()


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    home = tmp_path / "cache"
    monkeypatch.setenv("NNCALC_DATA", str(home))
    return home


def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in NAMES) if folder.exists() else []


def test_fetch_downloads_verifies_and_loads(mirrors, home):
    mirror = mirrors()
    seen: dict[str, list[tuple[int, int | None]]] = {}
    folder = fetch("mnist", mirrors=[mirror.url], checksums=SUMS,
                   progress=lambda name, done, total: seen.setdefault(name, []).append((done, total)))
    assert folder == home / "mnist"
    for name, data in FILES.items():
        assert (folder / name).read_bytes() == data
        done = [d for d, _ in seen[name]]
        assert done[0] == 0 and done[-1] == len(data) and done == sorted(done)
        assert {t for _, t in seen[name]} == {len(data)}          # the server's Content-Length
    assert len(seen["train-images-idx3-ubyte.gz"]) >= 3            # the start, then two 64 KiB chunks or more
    assert leftovers(folder) == []
    data = load_source("mnist:train", base_dir=Path("."))
    assert data.X.shape == (120, 784) and data.y[:3].tolist() == [0, 1, 2]


def test_checksum_mismatch_caches_nothing(mirrors, home):
    mirror = mirrors(train_labels_idx1_ubyte="corrupt")
    with pytest.raises(DataError) as info:
        fetch("mnist", mirrors=[mirror.url], checksums=SUMS)
    message = str(info.value)
    assert message.startswith("could not download train-labels-idx1-ubyte.gz; tried "
                              f"{mirror.url}train-labels-idx1-ubyte.gz: SHA-256 mismatch")
    assert not (home / "mnist" / "train-labels-idx1-ubyte.gz").exists()
    assert leftovers(home / "mnist") == []                          # no .part file left behind


def test_broken_mirrors_are_skipped_for_a_good_one(mirrors, home):
    missing, good = mirrors(train_images_idx3_ubyte="missing"), mirrors()
    lines: list[str] = []
    fetch("mnist", mirrors=[dead_url(), missing.url, good.url], checksums=SUMS, log=lines.append)
    assert all((home / "mnist" / name).read_bytes() == data for name, data in FILES.items())
    assert lines[0].startswith("train-images-idx3-ubyte.gz: http://127.0.0.1:") and "cannot connect" in lines[0]
    assert lines[1] == f"train-images-idx3-ubyte.gz: {missing.url}train-images-idx3-ubyte.gz failed: HTTP 404 Not Found"
    assert lines[2] == (f"train-images-idx3-ubyte.gz: downloaded from {good.url}train-images-idx3-ubyte.gz, "
                        "SHA-256 verified")
    # the mirror that delivered is tried first for the other files: no more failures
    assert len(lines) == 6 and good.requests == NAMES and missing.requests == ["train-images-idx3-ubyte.gz"]


def test_connection_closed_mid_file_is_never_cached(mirrors, home):
    cut = mirrors(train_images_idx3_ubyte="cut")
    with pytest.raises(DataError, match=r"connection closed after 47,072 of 94,144 bytes"):
        fetch("mnist", mirrors=[cut.url], checksums=SUMS)
    assert not (home / "mnist" / "train-images-idx3-ubyte.gz").exists()
    assert leftovers(home / "mnist") == []
    with pytest.raises(DataError, match="mnist is not in the data cache"):
        load_source("mnist:train", base_dir=Path("."))
    # a later run from a good mirror completes it
    fetch("mnist", mirrors=[mirrors().url], checksums=SUMS)
    assert load_source("mnist:train", base_dir=Path(".")).n_samples == 120


def test_a_stalled_mirror_times_out(mirrors, home):
    stalled, good = mirrors(t10k_labels_idx1_ubyte="stall"), mirrors()
    lines: list[str] = []
    start = time.monotonic()
    fetch("mnist", mirrors=[stalled.url, good.url], checksums=SUMS, timeout=0.3, log=lines.append)
    assert time.monotonic() - start < 1.9                          # did not wait for the stalled server
    assert any("t10k-labels-idx1-ubyte.gz" in line and "timed out after 0.3 s" in line for line in lines)
    assert (home / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes() == FILES["t10k-labels-idx1-ubyte.gz"]


def test_cached_files_are_skipped_and_bad_ones_replaced(mirrors, home):
    folder = home / "mnist"
    folder.mkdir(parents=True)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(FILES["train-images-idx3-ubyte.gz"])
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(b"a damaged earlier copy")
    mirror = mirrors()
    lines: list[str] = []
    fetch("mnist", mirrors=[mirror.url], checksums=SUMS, log=lines.append)
    assert "train-images-idx3-ubyte.gz" not in mirror.requests
    assert sorted(mirror.requests) == sorted(set(NAMES) - {"train-images-idx3-ubyte.gz"})
    assert lines[0] == "train-images-idx3-ubyte.gz: already cached, SHA-256 verified"
    assert "t10k-images-idx3-ubyte.gz: cached copy does not match its SHA-256; downloading it again" in lines
    assert (folder / "t10k-images-idx3-ubyte.gz").read_bytes() == FILES["t10k-images-idx3-ubyte.gz"]
    mirror.requests.clear()
    fetch("mnist", mirrors=[mirror.url], checksums=SUMS)           # everything cached: no request at all
    assert mirror.requests == []


def test_the_built_in_checksums_are_used_by_default(mirrors, home):
    # without an override the small files do not match MNIST's official SHA-256, so nothing is cached
    with pytest.raises(DataError, match="SHA-256 mismatch"):
        fetch("mnist", mirrors=[mirrors().url])
    assert leftovers(home / "mnist") == [] and not any((home / "mnist").iterdir())


def test_unknown_set_and_unwritable_cache(tmp_path):
    with pytest.raises(DataError, match="unknown data set 'cifar10'; downloadable: mnist, fashion-mnist"):
        fetch("cifar10")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DataError, match="cannot create the cache folder"):
        fetch("mnist", home=blocker / "sub", mirrors=["http://127.0.0.1:9/"])


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="the shared copy of MNIST is not here")
def test_real_mnist_from_a_local_mirror_passes_the_built_in_checks(mirrors, home):
    """The shared copy's .gz bytes differ from the official downloads but decompress to the originals:
    served as a mirror, it passes the built-in decompressed-content SHA-256 (a check of that table)."""
    real = {name: (SHARED_MNIST / name).read_bytes() for name in NAMES}
    lines: list[str] = []
    fetch("mnist", mirrors=[mirrors(real).url], log=lines.append)
    assert all(line.endswith("SHA-256 of the decompressed data verified") for line in lines)
    assert load_source("mnist:test", base_dir=Path(".")).X.shape == (10000, 784)


# ---------------------------------------------------------------- the CLI

runner = CliRunner()


@pytest.fixture
def test_sums(monkeypatch):
    """Make the built-in table expect the small files, as the CLI has no checksum option."""
    remote = REMOTE["mnist"]
    files = tuple(dataclasses.replace(f, sha256=SUMS[f.name], content_sha256=None) for f in remote.files)
    monkeypatch.setitem(cache_module.REMOTE, "mnist", dataclasses.replace(remote, files=files))


def test_cli_fetch_prints_plain_lines_when_piped(mirrors, home, test_sums):
    mirror = mirrors()
    result = runner.invoke(app, ["data", "fetch", "mnist", "--mirror", mirror.url])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"MNIST handwritten digits (LeCun, Cortes, Burges) -> {home / 'mnist'} (from NNCALC_DATA)"
    size = len(FILES["train-images-idx3-ubyte.gz"])
    assert lines[1] == f"train-images-idx3-ubyte.gz: downloading ({size:,} bytes)"
    assert lines[2] == (f"train-images-idx3-ubyte.gz: downloaded from {mirror.url}train-images-idx3-ubyte.gz, "
                        "SHA-256 verified")
    assert lines[-1].startswith(f"mnist: 4 files in {home / 'mnist'}, all verified")
    assert len(lines) == 10
    again = runner.invoke(app, ["data", "fetch", "mnist", "--mirror", mirror.url])
    assert again.exit_code == 0 and again.stdout.count("already cached") == 4


def test_cli_fetch_failure_is_one_line_and_exit_2(mirrors, home, test_sums):
    result = runner.invoke(app, ["data", "fetch", "mnist", "--mirror", mirrors(t10k_images_idx3_ubyte="cut").url])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("nncalc: error: could not download t10k-images-idx3-ubyte.gz; "
                                    "tried http://127.0.0.1:")
    assert not (home / "mnist" / "t10k-images-idx3-ubyte.gz").exists()
    unknown = runner.invoke(app, ["data", "fetch", "emnist"])
    assert unknown.exit_code == 2
    assert unknown.stderr == "nncalc: error: unknown data set 'emnist'; downloadable: mnist, fashion-mnist\n"


def test_cli_progress_bar_on_a_terminal(mirrors, home):
    from nncalc.cli.data import _Reporter

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    with _Reporter(console) as reporter:
        fetch("mnist", mirrors=[mirrors().url], checksums=SUMS, progress=reporter.progress, log=reporter.log)
        assert len(reporter.bar.tasks) == 4
        assert all(task.finished for task in reporter.bar.tasks)
    assert "train-images-idx3-ubyte.gz: downloaded from" in out.getvalue()


def test_cli_list_and_path(home, mirrors, test_sums):
    before = runner.invoke(app, ["data", "list"])
    assert before.exit_code == 0
    assert f"data cache: {home} (from NNCALC_DATA)" in before.stdout
    assert "not downloaded" in before.stdout and "download mnist with: nncalc data fetch mnist" in before.stdout
    for name in ("spiral", "circle", "xor", "gauss", "moons", "plane"):
        assert f"\n{name} " in before.stdout
    runner.invoke(app, ["data", "fetch", "mnist", "--mirror", mirrors().url])
    after = runner.invoke(app, ["data", "list", "--verify"])
    assert "mnist:train|test          cached, verified" in after.stdout
    (home / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    damaged = runner.invoke(app, ["data", "list", "--verify"])
    assert "cached, SHA-256 MISMATCH" in damaged.stdout
    (home / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    partial = runner.invoke(app, ["data", "list"])
    assert "1 of 4 files missing" in partial.stdout
    path = runner.invoke(app, ["data", "path", "mnist"])
    assert path.exit_code == 0 and path.stdout == f"{home / 'mnist'}\n"
    assert runner.invoke(app, ["data", "path"]).stdout == f"{home}\n"
