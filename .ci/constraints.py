"""Write ``constraints.txt``: the exact versions of everything analogcast[dev] needs, as installed.

Usage (what ``make lock`` runs, in a fresh unconstrained venv)::

    python .ci/constraints.py --out constraints.txt

It walks the requirements of the installed ``analogcast`` distribution (with its ``dev`` extra)
through every installed dependency, transitively, evaluating environment markers for this
interpreter, and pins each package reached to the version ``pip freeze --exclude-editable``
reports. Packages in the environment that analogcast does not need are left out. The file is
written atomically. ``make`` installs with ``-c constraints.txt``.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def closure(root: str = "analogcast", extras: tuple[str, ...] = ("dev",)) -> set[str]:
    """Canonical names of every installed distribution ``root[extras]`` needs, transitively."""
    names: set[str] = set()
    done: set[tuple[str, tuple[str, ...]]] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(canonicalize_name(root), extras)]
    env = default_environment()
    while todo:
        name, want = todo.pop()
        if (name, want) in done:
            continue
        done.add((name, want))
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is not None and not any(req.marker.evaluate({**env, "extra": e}) for e in ("", *want)):
                continue
            key = canonicalize_name(req.name)
            names.add(key)
            todo.append((key, tuple(sorted(req.extras))))
    names.discard(canonicalize_name(root))
    return names


def frozen() -> dict[str, str]:
    """``pip freeze --exclude-editable`` as canonical name -> pinned line."""
    out = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                         capture_output=True, text=True, check=True).stdout
    pins = {}
    for line in out.splitlines():
        if "==" in line and not line.startswith("#"):
            pins[canonicalize_name(line.split("==", 1)[0])] = line.strip()
    return pins


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("constraints.txt"))
    args = ap.parse_args(argv)
    need = closure()
    pins = frozen()
    missing = sorted(need - set(pins))
    if missing:
        sys.exit(f"constraints: needed but not installed (or not pinnable): {', '.join(missing)}")
    header = [
        "# Exact versions of everything analogcast[dev] needs (make installs with -c constraints.txt).",
        "# Refresh with `make lock` (a fresh venv, unconstrained latest versions, then this file).",
        f"# Generated {time.strftime('%Y-%m-%d', time.gmtime())} by .ci/constraints.py on Python "
        f"{platform.python_version()} ({sys.platform}).",
    ]
    text = "\n".join(header + [pins[n] for n in sorted(need)]) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{args.out.name}.", suffix=".tmp", dir=args.out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.out)
    print(f"constraints: {len(need)} packages pinned in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
