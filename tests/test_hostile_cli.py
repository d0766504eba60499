"""Hostile inputs to every command: exit 0/1/2, never a traceback, one stderr line per error.

Generated inputs (Hypothesis, fixed derandomized profile) and the explicit cases of issue 17,
all through ``analogcast.cli.main.main`` in this process (see ``tests/hostile.py``). Inputs are
chosen to fail validation or the output preflight before any sampling, so the suite is fast:
every ``fit``/``run`` writes under a file, every ``backtest`` too, and every ``grid`` has a
directory where its ``grid.csv`` would go. ``test_zz_inputs_counted`` checks the total.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, TINY_SPEC
from hostile import (
    CALLS,
    HOSTILE,
    json_value,
    key_paths,
    nasty_text,
    parse_toml,
    run_cli,
    set_path,
    toml_text,
    toml_value,
)

PRIOR = ROOT / "priors" / "afghanistan_saudi_iran.toml"
SPEC_DOC = parse_toml(TINY_SPEC)
SPEC_PATHS = key_paths(SPEC_DOC)
PRIOR_DOC = parse_toml(PRIOR.read_text(encoding="utf-8"))
PRIOR_PATHS = key_paths(PRIOR_DOC)


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Files shared by the module's tests: a plain file to write 'under', a valid spec, a grid dir."""
    d = tmp_path_factory.mktemp("hostile")
    a = {
        "file": d / "plain.txt",
        "spec": d / "tiny.toml",
        "grid": d / "grid",
        "dir": d,
    }
    a["file"].write_text("x\n", encoding="utf-8")
    a["spec"].write_text(TINY_SPEC, encoding="utf-8")
    (a["grid"] / "grid.csv").mkdir(parents=True)  # every grid stops after validating its cells
    return a


@pytest.fixture(scope="module", autouse=True)
def _in_scratch_dir(arena: dict[str, Path]):  # type: ignore[no-untyped-def]
    """Relative paths among the hostile inputs land in a scratch directory, not the checkout."""
    here = os.getcwd()
    scratch = arena["dir"] / "cwd"
    scratch.mkdir(exist_ok=True)
    os.chdir(scratch)
    yield
    os.chdir(here)


def _under_file(arena: dict[str, Path]) -> str:
    return str(arena["file"] / "sub")


# -- fit / run: spec file contents -------------------------------------------------------------


@HOSTILE
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_fit_any_spec_text(arena: dict[str, Path], text: str) -> None:
    spec = arena["dir"] / "any_text.toml"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    run_cli(["fit", str(spec), "--out-dir", _under_file(arena), "-q"])


@HOSTILE
@given(data=st.binary(max_size=300))
def test_fit_any_spec_bytes(arena: dict[str, Path], data: bytes) -> None:
    spec = arena["dir"] / "any_bytes.toml"
    spec.write_bytes(data)
    run_cli(["fit", str(spec), "--out-dir", _under_file(arena), "-q"])


@HOSTILE
@given(path=st.sampled_from(SPEC_PATHS), value=toml_value, delete=st.booleans(), cmd=st.sampled_from(["fit", "run"]))
def test_fit_and_run_spec_with_one_hostile_field(arena: dict[str, Path], path: tuple, value: object, delete: bool, cmd: str) -> None:
    doc = set_path(SPEC_DOC, path, value, delete=delete)
    spec = arena["dir"] / "field.toml"
    spec.write_text(toml_text(doc), encoding="utf-8")
    extra = ["--report-dir", str(arena["dir"] / "reports")] if cmd == "run" else []
    run_cli([cmd, str(spec), "--out-dir", _under_file(arena), *extra, "-q"])


@HOSTILE
@given(key=st.text(min_size=1, max_size=12), value=toml_value, table=st.sampled_from([None, "model", "prior", "sampler"]))
def test_fit_spec_with_an_unknown_key(arena: dict[str, Path], key: str, value: object, table: str | None) -> None:
    doc = dict(SPEC_DOC)
    if table is None:
        doc = set_path(doc, (key,), value)
    else:
        doc = set_path(doc, (table, key), value)
    spec = arena["dir"] / "unknown.toml"
    spec.write_text(toml_text(doc), encoding="utf-8")
    code, _, err = run_cli(["fit", str(spec), "--out-dir", _under_file(arena), "-q"])
    assert code == 1


_FIT_FLAGS = ["--draws", "--tune", "--chains", "--backend", "--seed", "--posterior-format", "--out-dir"]


@HOSTILE
@given(flag=st.sampled_from(_FIT_FLAGS), value=nasty_text, cmd=st.sampled_from(["fit", "run"]))
def test_fit_and_run_hostile_flag_values(arena: dict[str, Path], flag: str, value: str, cmd: str) -> None:
    argv = [cmd, str(arena["spec"]), f"{flag}={value}", "-q"]
    if flag != "--out-dir":
        argv += ["--out-dir", _under_file(arena)]
    else:  # any --out-dir a user could type; the report dir is under a file so nothing runs
        argv += ["--report-dir", _under_file(arena)] if cmd == "run" else []
        if cmd == "fit":
            argv[2] = f"--out-dir={_under_file(arena)}/{value}" if value else argv[2]
    code, _, _ = run_cli(argv)
    assert code == 1


@HOSTILE
@given(
    report_dir=nasty_text,
    fmt=nasty_text,
    backtest=nasty_text,
)
def test_run_hostile_report_flags(arena: dict[str, Path], report_dir: str, fmt: str, backtest: str) -> None:
    argv = ["run", str(arena["spec"]), "--out-dir", _under_file(arena), f"--report-dir={report_dir}", f"--report-format={fmt}", f"--backtest={backtest}", "-q"]
    code, _, _ = run_cli(argv)
    assert code == 1


# -- grid ---------------------------------------------------------------------------------------


@HOSTILE
@given(key=st.one_of(st.sampled_from([".".join(map(str, p)) for p in SPEC_PATHS if all(isinstance(k, str) for k in p)]), nasty_text), values=st.lists(nasty_text, min_size=1, max_size=3))
def test_grid_hostile_set(arena: dict[str, Path], key: str, values: list[str]) -> None:
    item = f"{key}={','.join(values)}"
    run_cli(["grid", str(arena["spec"]), "--set", item, "--out", str(arena["grid"]), "--workers", "0", "-q"])


@HOSTILE
@given(flag=st.sampled_from(["--workers", "--draws", "--tune", "--chains", "--out"]), value=nasty_text)
def test_grid_hostile_flags(arena: dict[str, Path], flag: str, value: str) -> None:
    argv = ["grid", str(arena["spec"]), "--set", "seed=1,2", f"{flag}={value}", "-q"]
    if flag != "--out":
        argv += ["--out", str(arena["grid"])]
    else:
        argv[-2] = f"--out={_under_file(arena)}/{value}"
    code, _, _ = run_cli(argv)
    assert code == 1


# -- backtest -----------------------------------------------------------------------------------


@HOSTILE
@given(
    years=st.one_of(nasty_text, st.tuples(st.integers(-5, 10000), st.integers(-5, 10000)).map(lambda t: f"{t[0]:04d}-{t[1]:04d}")),
    spaces=st.one_of(nasty_text, st.just("all"), st.just("women")),
    models=st.one_of(nasty_text, st.just("climatology")),
    seed=nasty_text,
    workers=nasty_text,
)
def test_backtest_hostile_flags(arena: dict[str, Path], years: str, spaces: str, models: str, seed: str, workers: str) -> None:
    argv = ["backtest", f"--from-years={years}", f"--spaces={spaces}", f"--models={models}", f"--seed={seed}", f"--workers={workers}", "--out", _under_file(arena)]
    code, _, _ = run_cli(argv)
    assert code == 1


@HOSTILE
@given(out=nasty_text, method=nasty_text, threads=nasty_text, protocol=nasty_text)
def test_backtest_hostile_out_and_options(arena: dict[str, Path], out: str, method: str, threads: str, protocol: str) -> None:
    argv = ["backtest", "--from-years=1800", f"--out={out}", f"--method={method}", f"--fit-threads={threads}", f"--protocol={protocol}"]
    code, _, _ = run_cli(argv)
    assert code == 1


# -- priors -------------------------------------------------------------------------------------


@HOSTILE
@given(path=st.sampled_from(PRIOR_PATHS), value=toml_value, delete=st.booleans())
def test_priors_show_prior_with_one_hostile_field(arena: dict[str, Path], path: tuple, value: object, delete: bool) -> None:
    doc = set_path(PRIOR_DOC, path, value, delete=delete)
    f = arena["dir"] / "prior_field.toml"
    f.write_text(toml_text(doc), encoding="utf-8")
    run_cli(["priors", "show", str(f)])


@HOSTILE
@given(text=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_priors_show_any_text(arena: dict[str, Path], text: str) -> None:
    f = arena["dir"] / "prior_text.toml"
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    run_cli(["priors", "show", str(f)])


@HOSTILE
@given(
    flag=st.sampled_from(["--target", "--analogs", "--method", "--discount", "--robust-weight", "--weights", "--window", "--tau-prior", "--conflict-years", "--spaces", "--notes", "--out"]),
    value=nasty_text,
)
def test_priors_build_hostile_flags_with_an_existing_out(arena: dict[str, Path], flag: str, value: str) -> None:
    """``--out`` exists and there is no ``--overwrite``: refused before anything is built."""
    argv = ["priors", "build", "--target=AFG", "--analogs=SAU", f"{flag}={value}", f"--out={arena['file']}"]
    if flag == "--out":  # any --out a user could type, but under a file: nothing is built
        argv[-2:] = [f"--out={arena['file']}/{value}"]
    code, _, err = run_cli(argv)
    assert code == 1


_BUILD_CASES = st.fixed_dictionaries(
    {
        "--target": st.one_of(st.sampled_from(["AFG", "Afghanistan", "XXX", "", "SAU"]), nasty_text),
        "--analogs": st.one_of(st.sampled_from(["SAU", "SAU,SAU", "AFG", "", "IRN,XXX"]), nasty_text),
        "--method": st.one_of(st.sampled_from(["map", "power", "robust_map", "none", "bogus"]), nasty_text),
        "--discount": st.one_of(st.sampled_from(["0", "-1", "2", "nan", "inf", "0.5"]), nasty_text),
        "--robust-weight": st.one_of(st.sampled_from(["1", "-0.1", "nan", "0.2"]), nasty_text),
        "--window": st.one_of(st.sampled_from(["2020-1990", "0-9999", "abc", "1990-2020"]), nasty_text),
    }
)


@settings(HOSTILE, max_examples=30)  # every valid combination builds a prior (about a second)
@given(case=_BUILD_CASES, which=st.sampled_from(["--target", "--analogs", "--method", "--discount", "--robust-weight", "--window"]))
def test_priors_build_hostile_value_reaches_validation(arena: dict[str, Path], case: dict[str, str], which: str) -> None:
    """One hostile value among otherwise valid ones, a fresh ``--out``: validated, never a traceback."""
    good = {"--target": "AFG", "--analogs": "SAU", "--method": "map", "--discount": "0.5", "--robust-weight": "0.2", "--window": "1990-2020"}
    good[which] = case[which]
    out = arena["dir"] / "built.toml"
    if out.exists():
        out.unlink()
    run_cli(["priors", "build", *(f"{k}={v}" for k, v in good.items()), f"--out={out}", "--conflict-years=3", "--spaces=women"])


@HOSTILE
@given(target=st.one_of(st.just("AFG"), nasty_text), candidates=st.one_of(st.sampled_from(["SAU,SAU", "SAU,IRN", "AFG", "SAU,Saudi Arabia"]), nasty_text), bandwidth=nasty_text, years=nasty_text)
def test_priors_similar_hostile(arena: dict[str, Path], target: str, candidates: str, bandwidth: str, years: str) -> None:
    run_cli(["priors", "similar", f"--target={target}", f"--candidates={candidates}", f"--bandwidth={bandwidth}", f"--years={years}"])


# -- data ---------------------------------------------------------------------------------------


@HOSTILE
@given(manifest=st.one_of(json_value, st.text(max_size=100)), check=st.booleans())
def test_data_dir_with_a_hostile_manifest(arena: dict[str, Path], manifest: object, check: bool) -> None:
    d = arena["dir"] / "data_copy"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (d / "MANIFEST.json").write_text(text, encoding="utf-8", errors="surrogatepass")
    run_cli(["data", "--data-dir", str(d), *(["--check"] if check else [])])


@HOSTILE
@given(name=st.sampled_from(["panel.csv.gz", "crosswalk.csv.gz", "../../etc/hostname", "/etc/hostname", "", "."]), sha=nasty_text, check=st.booleans())
def test_data_dir_with_hostile_manifest_entries(arena: dict[str, Path], name: str, sha: str, check: bool) -> None:
    d = arena["dir"] / "data_entries"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    (d / "MANIFEST.json").write_text(json.dumps({"files": {name: {"sha256": sha}}}), encoding="utf-8")
    run_cli(["data", "--data-dir", str(d), *(["--check"] if check else [])])


@HOSTILE
@given(value=nasty_text)
def test_data_dir_any_path(value: str) -> None:
    run_cli(["data", f"--data-dir={value}", "--check"])


# -- argv at large ------------------------------------------------------------------------------


@HOSTILE
@given(argv=st.lists(nasty_text, max_size=5), cmd=st.sampled_from(["data", "priors", "fit", "run", "report", "backtest", "grid", "bogus", ""]))
def test_any_argv(argv: list[str], cmd: str) -> None:
    """Arbitrary words after a command: argparse or validation refuses them (or prints help)."""
    if cmd in ("fit", "run", "grid"):
        argv = [w for w in argv if not w.startswith("-")]  # a positional spec only: never samples
        if argv and os.path.isfile(argv[0]):
            return
    if cmd in ("backtest", "data", "priors", "report"):
        argv = [w for w in argv if not w.startswith("-") or w in ("-h", "--help")]
    if cmd == "backtest" and "-h" not in argv and "--help" not in argv:
        argv = [*argv, "--out", "/etc/hostname/sub"]
    if cmd == "data" and argv:
        return  # 'data' takes no positionals: covered by argparse, nothing new
    run_cli([c for c in [cmd] if c] + argv)


# -- report: hostile saved runs -------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_run(tiny_run_dir: Path, arena: dict[str, Path]) -> Path:
    """A private copy of the real tiny run, its files rewritten by the tests below."""
    dest = arena["dir"] / "run_copy"
    shutil.copytree(tiny_run_dir, dest)
    return dest


@contextlib.contextmanager
def _no_render(figures: bool = False):  # type: ignore[no-untyped-def]
    """Stub the renderer (and, unless ``figures``, build the context without figures): inputs only."""
    import analogcast.reporting as reporting
    from analogcast.reporting import context as ctx_mod

    real = ctx_mod.build_report_context

    def build(*a, **kw):  # type: ignore[no-untyped-def]
        kw.setdefault("with_figures", figures)
        return real(*a, **kw)

    with mock.patch.object(reporting, "render_report", lambda *a, **k: []), mock.patch.object(reporting, "build_report_context", build):
        yield


@contextlib.contextmanager
def _rewritten(path: Path, data: bytes):  # type: ignore[no-untyped-def]
    old = path.read_bytes()
    path.write_bytes(data)
    try:
        yield
    finally:
        path.write_bytes(old)


@settings(HOSTILE, max_examples=60)
@given(meta=json_value, allow=st.booleans())
def test_report_run_with_any_metadata(hostile_run: Path, arena: dict[str, Path], meta: object, allow: bool) -> None:
    with _rewritten(hostile_run / "metadata.json", json.dumps(meta).encode()), _no_render():
        code, _, _ = run_cli(["report", str(hostile_run), "--out", str(arena["dir"] / "reports"), *(["--allow-mismatch"] if allow else [])])
    assert code == 1


@settings(HOSTILE, max_examples=25)  # each loads the real run (about a second)
@given(data=st.data(), allow=st.booleans())
def test_report_run_with_one_hostile_metadata_field(hostile_run: Path, arena: dict[str, Path], data: st.DataObject, allow: bool) -> None:
    meta = json.loads((hostile_run / "metadata.json").read_text(encoding="utf-8"))
    path = data.draw(st.sampled_from(key_paths(meta)), label="path")
    value = data.draw(json_value, label="value")
    doc = set_path(meta, path, value, delete=data.draw(st.booleans(), label="delete"))
    with _rewritten(hostile_run / "metadata.json", json.dumps(doc).encode()), _no_render():
        code, _, err = run_cli(["report", str(hostile_run), "--out", str(arena["dir"] / "reports"), "-q", *(["--allow-mismatch"] if allow else [])])
    if not allow:
        assert code == 1


@settings(HOSTILE, max_examples=15)
@given(name=st.sampled_from(["spec.toml", "prior.toml", "forecasts.csv", "contrasts.csv", "forecasts.nc", "posterior.nc"]), content=st.one_of(st.binary(max_size=100), st.text(max_size=100).map(str.encode)))
def test_report_run_with_a_hostile_file(hostile_run: Path, arena: dict[str, Path], name: str, content: bytes) -> None:
    with _rewritten(hostile_run / name, content), _no_render():
        run_cli(["report", str(hostile_run), "--out", str(arena["dir"] / "reports"), "--allow-mismatch", "-q"])


@settings(HOSTILE, max_examples=60)
@given(name=nasty_text, fmt=nasty_text, out=nasty_text)
def test_report_hostile_name_format_out(hostile_run: Path, arena: dict[str, Path], name: str, fmt: str, out: str) -> None:
    with _no_render():
        run_cli(["report", str(hostile_run), f"--name={name}", f"--format={fmt}", f"--out={arena['dir'] / 'reports' / out}", "-q"])


def test_report_run_explicit_cases(hostile_run: Path, arena: dict[str, Path]) -> None:
    """Issue 17: nested metadata, wrongly typed metadata with --allow-mismatch, extra files, -q."""
    out = str(arena["dir"] / "reports")
    meta_path = hostile_run / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    deep = ("[" * 5000 + "]" * 5000).encode()
    with _rewritten(meta_path, deep), _no_render():
        code, _, err = run_cli(["report", str(hostile_run), "--out", out])
        assert code == 1 and "metadata.json" in err
        code, _, err = run_cli(["report", str(hostile_run), "--out", out, "--allow-mismatch"])
        assert code == 1 and "metadata.json" in err
    for key in ("files", "posterior_file", "format_version", "metadata_sha256", "created"):
        for bad in (5, "x", [1, 2], {"a": None}, None):
            wrong = dict(meta, **{key: bad})
            with _rewritten(meta_path, json.dumps(wrong).encode()), _no_render():
                run_cli(["report", str(hostile_run), "--out", out, "--allow-mismatch"])
    # an extra file: one clean warning line, none with -q (the run itself is intact: exit 0)
    extra = hostile_run / "notes.txt"
    extra.write_text("mine\n", encoding="utf-8")
    try:
        with _no_render():
            code, _, err = run_cli(["report", str(hostile_run), "--out", out])
            assert code == 0
            lines = [x for x in err.splitlines() if x.strip()]
            assert len(lines) == 1 and lines[0].startswith("analogcast: warning:") and "notes.txt" in lines[0], err
            code, _, err = run_cli(["report", str(hostile_run), "--out", out, "-q"])
            assert code == 0 and err == ""
    finally:
        extra.unlink()
    # a report target that is a directory, and an over-long --name: refused before rendering
    (arena["dir"] / "reports" / "tiny.pdf").mkdir(parents=True, exist_ok=True)
    with _no_render():
        code, _, err = run_cli(["report", str(hostile_run), "--out", out])
        assert code == 1 and "tiny.pdf" in err
        code, _, err = run_cli(["report", str(hostile_run), "--out", out, "--name", "n" * 300])
        assert code == 1 and "--name" in err
    # an unreadable file (a directory where forecasts.csv should be)
    f = hostile_run / "forecasts.csv"
    saved = f.read_bytes()
    f.unlink()
    f.mkdir()
    try:
        with _no_render():
            code, _, err = run_cli(["report", str(hostile_run), "--out", out, "--allow-mismatch"])
            assert code == 1 and "forecasts.csv" in err
    finally:
        f.rmdir()
        f.write_bytes(saved)


# -- the explicit cases of issue 17 ---------------------------------------------------------------


def _explicit_cases(a: dict[str, Path]) -> list[list[str]]:
    f = str(a["file"])
    deep = a["dir"] / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    deep_table = a["dir"] / "deep_table.toml"
    deep_table.write_text("x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n", encoding="utf-8")
    bom = a["dir"] / "bom.toml"
    bom.write_text("\ufeff" + TINY_SPEC, encoding="utf-8")
    fifo = a["dir"] / "fifo.toml"
    if not fifo.exists():
        os.mkfifo(fifo)
    loop = a["dir"] / "loop.toml"
    if not loop.is_symlink():
        os.symlink(loop, loop)
    broken = a["dir"] / "broken.toml"
    if not broken.is_symlink():
        os.symlink(a["dir"] / "nowhere.toml", broken)
    junk = a["dir"] / "junk_scores"
    junk.mkdir(exist_ok=True)
    (junk / "scores.csv").write_bytes(b"\x00\xff garbage \x01")
    wrong = a["dir"] / "wrong_scores"
    wrong.mkdir(exist_ok=True)
    (wrong / "scores.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    empty = a["dir"] / "empty_scores"
    empty.mkdir(exist_ok=True)
    (empty / "scores.csv").write_text("", encoding="utf-8")
    bad_prior = a["dir"] / "bad_prior.toml"
    bad_prior.write_text(PRIOR.read_text(encoding="utf-8").replace("[meta]", "[meta", 1), encoding="utf-8")  # corrupt TOML
    spec_bad_prior = a["dir"] / "spec_bad_prior.toml"
    spec_bad_prior.write_text(TINY_SPEC.replace(PRIOR.as_posix(), bad_prior.as_posix()), encoding="utf-8")
    spec_dir_prior = a["dir"] / "spec_dir_prior.toml"
    spec_dir_prior.write_text(TINY_SPEC.replace(PRIOR.as_posix(), a["dir"].as_posix()), encoding="utf-8")
    spec_fifo_prior = a["dir"] / "spec_fifo_prior.toml"
    spec_fifo_prior.write_text(TINY_SPEC.replace(PRIOR.as_posix(), fifo.as_posix()), encoding="utf-8")
    (a["dir"] / "clash.html").mkdir(exist_ok=True)
    spec_arg = str(a["spec"])
    long_name = "n" * 300
    return [
        # output locations (item 2)
        ["fit", spec_arg, "--out-dir", f + "/sub"],
        ["fit", spec_arg, "--out-dir", "/"],
        ["fit", spec_arg, "--out-dir", f],
        ["fit", spec_arg, "--out-dir", "/proc/analogcast"],
        ["fit", spec_arg, "--out-dir", str(a["dir"] / ("x" * 300))],
        ["fit", spec_arg, "--out-dir", str(a["dir"] / ".hidden")],
        ["fit", spec_arg, "--out-dir", str(a["dir"]), "--overwrite"],  # not a run: refused, never replaced
        ["run", spec_arg, "--out-dir", f + "/sub"],
        ["run", spec_arg, "--out-dir", str(a["dir"] / "r"), "--report-dir", f + "/sub"],
        ["run", spec_arg, "--out-dir", str(a["dir"] / "r"), "--report-dir", f],
        ["grid", spec_arg, "--set", "seed=1,2", "--out", f + "/sub", "--workers", "0"],
        ["grid", spec_arg, "--set", "seed=1,2", "--out", f, "--workers", "0"],
        ["backtest", "--from-years", "2010", "--models", "climatology", "--spaces", "women", "--workers", "0", "--out", f + "/sub"],
        ["backtest", "--from-years", "2010", "--out", f],
        ["priors", "build", "--target", "AFG", "--analogs", "SAU", "--out", str(a["dir"])],
        ["priors", "build", "--target", "AFG", "--analogs", "SAU", "--out", f + "/sub.toml"],
        ["priors", "build", "--target", "AFG", "--analogs", "SAU", "--out", f],  # exists: no silent overwrite
        ["priors", "build", "--target", "AFG", "--analogs", "SAU", "--out", "/proc/prior.toml"],
        ["report", str(a["dir"]), "--out", f + "/sub"],
        ["report", str(a["dir"]), "--out", str(a["dir"]), "--name", long_name],
        ["report", str(a["dir"]), "--out", str(a["dir"]), "--name", "../x"],
        ["report", str(a["dir"]), "--out", str(a["dir"]), "--name", "clash", "--format", "html"],  # <out>/clash.html is a directory
        # item 6
        ["priors", "show", str(a["dir"])],
        ["priors", "show", str(fifo)],
        ["priors", "show", str(deep)],
        ["priors", "show", str(bad_prior)],
        ["fit", str(spec_bad_prior), "--out-dir", f + "/sub"],
        ["fit", str(spec_dir_prior), "--out-dir", f + "/sub"],
        ["fit", str(spec_fifo_prior), "--out-dir", f + "/sub"],
        ["grid", str(spec_bad_prior), "--set", "seed=1,2", "--out", str(a["grid"]), "--workers", "0"],
        ["grid", spec_arg, "--set", f"prior.file={bad_prior}", "--out", str(a["grid"]), "--workers", "0"],
        ["data", "--data-dir", f],
        ["data", "--data-dir", f, "--check"],
        ["data", "--data-dir", str(a["dir"])],
        ["report", str(a["dir"]), "--backtest", str(junk)],
        ["report", str(a["dir"]), "--backtest", str(wrong)],
        ["report", str(a["dir"]), "--backtest", str(empty)],
        ["run", spec_arg, "--out-dir", str(a["dir"] / "r"), "--backtest", str(wrong)],
        ["backtest", "--scheduler", "garbage", "--out", str(a["dir"] / "bt")],
        ["backtest", "--scheduler", "tcp://127.0.0.1:1", "--out", str(a["dir"] / "bt")],
        ["grid", spec_arg, "--set", "seed=1,2", "--scheduler", "garbage", "--out", str(a["grid"])],
        ["backtest", "--seed", "-5", "--out", str(a["dir"] / "bt")],
        ["backtest", "--seed=-5", "--out", str(a["dir"] / "bt")],
        ["backtest", "--workers=-1", "--out", str(a["dir"] / "bt")],
        ["backtest", "--fit-threads=0", "--out", str(a["dir"] / "bt")],
        ["priors", "similar", "--target", "AFG", "--candidates", "SAU,SAU"],
        ["priors", "similar", "--target", "AFG", "--candidates", "SAU,Saudi Arabia"],
        ["priors", "build", "--target", "AFG", "--analogs", "SAU,SAU", "--out", str(a["dir"] / "dup.toml")],
        ["fit", str(deep), "--out-dir", f + "/sub"],
        ["fit", str(deep_table), "--out-dir", f + "/sub"],
        ["grid", str(deep), "--set", "seed=1,2", "--out", str(a["grid"])],
        # item 9
        ["fit", str(a["dir"]), "--out-dir", f + "/sub"],
        ["fit", str(fifo), "--out-dir", f + "/sub"],
        ["fit", str(loop), "--out-dir", f + "/sub"],
        ["fit", str(broken), "--out-dir", f + "/sub"],
        ["fit", str(a["dir"] / "tiny.tom"), "--out-dir", f + "/sub"],
        ["data", "--data-dir", str(a["dir"] / "nowhere")],
        ["backtest", "--from-years", "0000-9999", "--out", str(a["dir"] / "bt")],
        ["backtest", "--from-years", "1-99999", "--out", str(a["dir"] / "bt")],
        [],
        ["fit", str(bom), "--out-dir", f + "/sub"],  # read fine: stops at the output check
    ]


def test_issue_17_explicit_cases(arena: dict[str, Path]) -> None:
    cases = _explicit_cases(arena)
    errors = {}
    for argv in cases:
        code, _, err = run_cli(argv)
        errors[tuple(argv)] = (code, err)
    # every one of these is an error, one line; none is silent
    silent = [argv for argv, (code, err) in errors.items() if code != 1 or not err.strip()]
    assert not silent, silent
    by_spec = {a[1] if len(a) > 1 else "": e for a, (_, e) in errors.items() if a and a[0] == "fit"}
    bom_err = by_spec[str(arena["dir"] / "bom.toml")]
    assert "--out-dir" in bom_err and "is a file" in bom_err  # the BOM spec parsed; the out dir stopped it
    assert "directory" in by_spec[str(arena["dir"])] and "not found" not in by_spec[str(arena["dir"])]
    assert "FIFO" in by_spec[str(arena["dir"] / "fifo.toml")]
    assert "loop" in by_spec[str(arena["dir"] / "loop.toml")]
    long_err = errors[("backtest", "--from-years", "0000-9999", "--out", str(arena["dir"] / "bt"))][1]
    assert len(long_err) < 300
    wrong_err = errors[("report", str(arena["dir"]), "--backtest", str(arena["dir"] / "wrong_scores"))][1]
    assert "model, space, direction" in wrong_err
    assert errors[("priors", "build", "--target", "AFG", "--analogs", "SAU", "--out", str(arena["file"]))][1].count("--overwrite") == 1
    assert arena["file"].read_text(encoding="utf-8") == "x\n"  # never overwritten


def test_zz_inputs_counted(request: pytest.FixtureRequest) -> None:
    """The suite above fed at least 1,000 inputs to the CLI, across every command."""
    mine = {n for n, f in globals().items() if n.startswith("test_") and callable(f)} - {"test_zz_inputs_counted"}
    selected = {item.originalname for item in request.session.items if item.module is request.module}
    if not mine <= selected:
        pytest.skip("only part of the hostile suite was selected")
    assert {"data", "priors", "fit", "run", "report", "backtest", "grid"} <= set(CALLS)
    assert sum(CALLS.values()) >= 1000, dict(CALLS)
    print(f"hostile inputs: {sum(CALLS.values())} {dict(CALLS)}")
