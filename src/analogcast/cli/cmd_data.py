"""``analogcast data``: coverage, unmatched countries and citations of the shipped data; ``--check`` hashes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analogcast.errors import UserInputError

NAME = "data"
HELP = "Show the shipped data's coverage, unmatched countries and citations; --check verifies sha256 hashes."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify every data file against the sha256 in MANIFEST.json (exit 1 on a mismatch)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="check or describe another copy of the data folder (default: the installed package data)",
    )


def _check(data_dir: Path | None) -> int:
    from analogcast.data import check_files

    res = check_files(data_dir)
    for name in res.mismatched:
        print(f"MISMATCH {name}: sha256 differs from MANIFEST.json ({res.directory / name})")
    for name in res.missing:
        print(f"MISSING  {name}: listed in MANIFEST.json but not in {res.directory}")
    for name in res.unlisted:
        print(f"note: {name} is in {res.directory} but not listed in MANIFEST.json")
    if res.passed:
        print(f"OK: {len(res.ok)} data files match MANIFEST.json in {res.directory}")
        return 0
    line = f"FAILED: {len(res.mismatched)} mismatched, {len(res.missing)} missing in {res.directory}"
    print(line)
    print(
        f"analogcast data: error: {len(res.mismatched)} data file(s) differ from MANIFEST.json and "
        f"{len(res.missing)} are missing in {res.directory}; reinstall analogcast or rebuild the data "
        "with 'python -m analogcast.data._build'",
        file=sys.stderr,
    )
    return 1


def _describe(data_dir: Path | None) -> int:
    from analogcast.data import citations, coverage, data_sha256, load_panel, unmatched_countries

    ds = load_panel(data_dir=data_dir)
    years = ds["year"].values
    print(
        f"Panel: {ds.sizes['country']} countries (V-Dem text ids; the Democratic Spaces Barometer's universe), "
        f"years {years[0]}-{years[-1]}, {len(ds.data_vars)} variables"
    )
    print(f"data_sha256: {data_sha256(data_dir)}")
    print()
    cov = coverage(data_dir)
    width = max(len(v) for v in cov.index)
    print(f"{'variable':<{width}}  {'missing':>7}  {'years':>9}  {'countries':>9}  file")
    for var, r in cov.iterrows():
        span = f"{r['first_year']}-{r['last_year']}" if r["n_values"] else "-"
        print(
            f"{var:<{width}}  {r['missing_share']:>7.1%}  {span:>9}  {r['countries']:>9}  {r['file']}"
        )
    print()
    um = unmatched_countries(data_dir)
    print(f"Unmatched country codes ({len(um)}; not in the panel, never silently dropped):")
    for src, g in um.groupby("source", sort=True):
        items = ", ".join(
            f"{c} ({n}, {a}-{b})"
            for c, n, a, b in g[["code", "name", "first_year", "last_year"]].itertuples(index=False)
        )
        print(f"  {src}: {items}")
    print()
    print(
        "Citations (see MANIFEST.json for licenses; V-Dem-derived files are CC BY-SA 4.0; GSDB: no open license found):"
    )
    for c in citations(data_dir):
        print(f"  - {c}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry point of ``analogcast data``."""
    if args.data_dir is not None:
        from analogcast._io import short_path

        d = args.data_dir
        if not d.exists():
            raise UserInputError(f"--data-dir {short_path(d)} does not exist; give a copy of the data folder (with MANIFEST.json)")
        if not d.is_dir():
            raise UserInputError(f"--data-dir {short_path(d)} is not a directory; give a copy of the data folder (with MANIFEST.json)")
        if not (d / "MANIFEST.json").is_file():
            raise UserInputError(f"--data-dir {short_path(d)} has no MANIFEST.json; give a copy of the data folder")
    if args.check:
        return _check(args.data_dir)
    return _describe(args.data_dir)
