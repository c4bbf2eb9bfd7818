"""nncalc's own wheel, built from the installed package with the standard library (so an autograder
image installs it without a package index or a build backend). The same files give the same bytes."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path


def _package_files() -> list[tuple[str, bytes]]:
    """(path in the wheel, contents) of every module and bundled problem, sorted."""
    import nncalc
    from ..bundled import bundled_dir

    root = Path(nncalc.__file__).resolve().parent
    files = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and "__pycache__" not in rel.parts and path.suffix in (".py", ".yaml", ".typed"):
            files[f"nncalc/{rel.as_posix()}"] = path.read_bytes()
    for path in bundled_dir().glob("*.yaml"):
        files.setdefault(f"nncalc/problems/{path.name}", path.read_bytes())
    return sorted(files.items())


def _metadata(version: str) -> str:
    from importlib import metadata

    try:
        requires = metadata.requires("nncalc") or []
        python = metadata.metadata("nncalc").get("Requires-Python", ">=3.11")
    except metadata.PackageNotFoundError:
        requires, python = ["typer>=0.12,<0.29", "rich>=13", "numpy>=1.26", "pyyaml>=6"], ">=3.11"
    lines = ["Metadata-Version: 2.1", "Name: nncalc", f"Version: {version}", f"Requires-Python: {python}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return "\n".join(lines) + "\n"


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel() -> tuple[str, bytes]:
    """(file name, bytes) of a py3-none-any wheel of the running nncalc."""
    from importlib import metadata

    try:
        version = metadata.version("nncalc")
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    info = f"nncalc-{version}.dist-info"
    files = _package_files()
    files += [(f"{info}/METADATA", _metadata(version).encode()),
              (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: nncalc\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
              (f"{info}/entry_points.txt", b"[console_scripts]\nnncalc = nncalc.cli:app\n")]
    record = "".join(f"{name},{_digest(data)},{len(data)}\n" for name, data in files) + f"{info}/RECORD,,\n"
    files.append((f"{info}/RECORD", record.encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files:
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zf.writestr(entry, data)
    return f"nncalc-{version}-py3-none-any.whl", buffer.getvalue()
