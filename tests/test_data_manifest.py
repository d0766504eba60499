"""Provenance manifest, hash checks (library and CLI), malformed files, build reproducibility."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analogcast.cli.main import main
from analogcast.data import check_files, citations, data_sha256, load_events, load_panel, manifest
from analogcast.data._files import data_dir
from analogcast.errors import DataIntegrityError

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REQUIRED_KEYS = (
    "producer",
    "dataset",
    "version",
    "license",
    "citation",
    "source_repository",
    "source_commit",
    "source_file",
    "sha256",
    "changes",
    "description",
)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "files"
    shutil.copytree(data_dir(), dst)
    return dst


def test_manifest_lists_every_file_with_provenance():
    m = manifest()
    shipped = {p.name for p in data_dir().iterdir() if p.is_file() and p.name != "MANIFEST.json"}
    assert shipped == set(m["files"])
    for name, meta in m["files"].items():
        for key in REQUIRED_KEYS:
            assert meta.get(key), (name, key)
        assert len(meta["sha256"]) == 64
    for name in ("spaces.csv.gz", "barometer_events.csv.gz", "vdem_v14_lite.csv.gz"):
        assert "CC BY-SA 4.0" in m["files"][name]["license"]
    assert "NO OPEN LICENSE FOUND" in m["files"]["gsdb_counts.csv.gz"]["license"]
    assert m["cutpoints_recomputed"]["v2x_gencl"] == 0.03


def test_hashes_match_and_data_sha256_is_stable():
    res = check_files()
    assert res.passed and not res.unlisted and len(res.ok) == len(manifest()["files"])
    files = manifest()["files"]
    expected = hashlib.sha256(
        "".join(f"{n} {files[n]['sha256']}\n" for n in sorted(files)).encode()
    ).hexdigest()
    assert data_sha256() == expected


def test_citations():
    text = "\n".join(citations())
    for needle in (
        "V-Dem",
        "Democratic Spaces Barometer",
        "Women, Business and the Law",
        "Global Sanctions Data Base",
        "World Development Indicators",
    ):
        assert needle in text


def test_cli_check_ok(capsys):
    assert main(["data", "--check"]) == 0
    assert "OK" in capsys.readouterr().out


def test_cli_check_names_a_flipped_byte(data_copy: Path, capsys):
    target = data_copy / "wbl.csv.gz"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    target.write_bytes(bytes(raw))
    assert main(["data", "--check", "--data-dir", str(data_copy)]) == 1
    out = capsys.readouterr().out
    assert "wbl.csv.gz" in out and "MISMATCH" in out
    assert "spaces.csv.gz" not in out.replace("OK", "")


def test_cli_check_names_a_missing_file(data_copy: Path, capsys):
    (data_copy / "gdp.csv.gz").unlink()
    assert main(["data", "--check", "--data-dir", str(data_copy)]) == 1
    assert "gdp.csv.gz" in capsys.readouterr().out


def test_cli_describe(capsys):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    assert "172 countries" in out and "1968-2023" in out
    assert "v2x_gencl" in out and "Unmatched" in out and "DDR" in out and "Coppedge" in out


def test_truncated_file_raises_integrity_error_naming_it(data_copy: Path, capsys):
    target = data_copy / "spaces.csv.gz"
    target.write_bytes(target.read_bytes()[:2000])
    with pytest.raises(DataIntegrityError, match="spaces.csv.gz"):
        load_panel(data_dir=data_copy)
    # the CLI turns it into one line on stderr, exit 1, no traceback
    assert main(["data", "--data-dir", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert "spaces.csv.gz" in err and "Traceback" not in err


def test_garbled_csv_raises_integrity_error_naming_it(data_copy: Path):
    target = data_copy / "wdi.csv.gz"
    target.write_bytes(gzip.compress(b"iso3;year\n\x00garbage;;;\n", mtime=0))
    with pytest.raises(DataIntegrityError, match="wdi.csv.gz"):
        load_panel(data_dir=data_copy)
    (data_copy / "crosswalk.csv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(DataIntegrityError, match="crosswalk.csv.gz"):
        load_events(data_dir=data_copy)


def test_bad_manifest_is_an_integrity_error(data_copy: Path, capsys):
    (data_copy / "MANIFEST.json").write_text("{not json")
    assert main(["data", "--check", "--data-dir", str(data_copy)]) == 1
    assert "MANIFEST.json" in capsys.readouterr().err


def test_import_has_no_side_effects():
    code = (
        "import analogcast.data as d, analogcast.data.panel as p, analogcast.data.events as e;"
        "assert p._build_panel.cache_info().currsize == 0;"
        "assert e._build_events.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(not SHARED.is_dir(), reason="raw project data (../shared/data) not available")
def test_build_reproduces_shipped_files(tmp_path: Path):
    from analogcast.data._build import build

    built = build(SHARED, tmp_path)
    shipped = json.loads((data_dir() / "MANIFEST.json").read_text())
    assert {n: f["sha256"] for n, f in built["files"].items()} == {
        n: f["sha256"] for n, f in shipped["files"].items()
    }
    assert (tmp_path / "MANIFEST.json").read_bytes() == (data_dir() / "MANIFEST.json").read_bytes()
