"""Data sets: the download cache and what it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence


def data_home() -> tuple[Path, str]:
    """The download cache's folder, and why there (NNCALC_DATA, or the default)."""
    from ..data.cache import data_home as home, data_home_origin

    return home(), data_home_origin()


def data_set(name: str) -> Any:
    """A downloadable data set (mnist, fashion-mnist): its title, files and mirrors."""
    from ..data.cache import remote_set

    return remote_set(name)


def fetch_data(name: str, *, mirrors: Sequence[str] | None = None, timeout: float = 30.0,
               progress: Any = None, log: Any = None) -> Path:
    """Download a data set's files into the cache, each checked by its SHA-256; the folder."""
    from ..data.download import fetch

    return fetch(name, home=data_home()[0], mirrors=list(mirrors) if mirrors else None, timeout=timeout,
                 progress=progress, log=log)


def data_listing(verify: bool = False) -> dict[str, Any]:
    """The data sources nncalc knows and what the cache holds (`nncalc data list`; with `verify`,
    every cached file's SHA-256 checked)."""
    from ..data.cache import REMOTE, cache_status
    from ..data.generate import GENERATORS

    home, origin = data_home()
    rows: list[dict] = []
    for name, remote in REMOTE.items():
        status = cache_status(name, home=home, verify=verify)
        if status.complete:
            state = "cached" + {None: "", True: ", verified", False: ", SHA-256 MISMATCH"}[status.verified]
        elif status.present:
            state = f"{len(status.missing)} of {len(remote.files)} files missing"
        else:
            state = "not downloaded"
        usable = status.complete and status.verified is not False
        rows.append({"source": f"{name}:train|test", "name": name, "status": state, "what": remote.short,
                     "download": not usable})
    for name, info in GENERATORS.items():
        kind = "2 classes" if info.classification else "regression"
        rows.append({"source": name, "name": name, "status": "built in", "what": f"{kind}: {info.summary}",
                     "download": False})
    return {"cache": str(home), "origin": origin, "sources": rows}
