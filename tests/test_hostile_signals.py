"""Ctrl-C during a fit exits 130 and saves nothing; a killed writer's temporary files are cleaned.

The SIGINT test runs the real CLI in a subprocess. A small wrapper marks the moment nutpie starts
sampling (it wraps ``nutpie.sample`` and prints a line), so the signal is sent from outside while
sampling is running, not during compilation or data preparation.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analogcast._io import atomic_path, clean_stale_temps
from conftest import TINY_SPEC

_WRAPPER = textwrap.dedent(
    """
    import sys
    import nutpie

    _sample = nutpie.sample

    def sample(*args, **kwargs):  # called once the model is compiled: sampling starts now
        print("SAMPLING-STARTED", file=sys.stderr, flush=True)
        return _sample(*args, **kwargs)

    nutpie.sample = sample
    from analogcast.cli.main import main

    sys.exit(main(sys.argv[1:]))
    """
)


def test_sigint_during_sampling_exits_130_and_saves_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY_SPEC, encoding="utf-8")
    out = tmp_path / "runs" / "tiny"
    cmd = [sys.executable, "-c", _WRAPPER, "fit", str(spec), "--draws", "100000", "--tune", "200", "--out-dir", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        _interrupt_while_sampling(proc, out, tmp_path)
    finally:
        if proc.poll() is None:  # never leave a 100,000-draw sampler running
            proc.kill()
            proc.wait()


def _read_until(proc: subprocess.Popen, marker: str, what: str) -> list[str]:
    """The child's stderr lines up to and including the one with ``marker``; the test fails
    (naming ``what``) if the child ends without printing it."""
    lines = []
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append(line)
        if marker in line:
            return lines
    proc.wait(timeout=10)
    pytest.fail(f"{what} never started: " + "".join(lines[-5:]))


def _interrupt_while_sampling(proc: subprocess.Popen, out: Path, tmp_path: Path) -> None:
    # the model is compiled and nutpie.sample was called
    lines = _read_until(proc, "SAMPLING-STARTED", "sampling")
    time.sleep(2.0)  # the chains are running (100,000 draws each: minutes)
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=300)  # 100,000 draws per chain would take far longer
    err = "".join(lines) + rest
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in rest
    assert "Traceback" not in err
    assert not out.exists()
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())  # no run, no temporary directory either


_COMPILE_WRAPPER = textwrap.dedent(
    """
    import sys
    import nutpie

    _compile, _sample = nutpie.compile_pymc_model, nutpie.sample

    def compile_pymc_model(*args, **kwargs):
        print("COMPILE-STARTED", file=sys.stderr, flush=True)
        out = _compile(*args, **kwargs)
        print("COMPILE-DONE", file=sys.stderr, flush=True)
        return out

    def sample(*args, **kwargs):
        print("SAMPLING-STARTED", file=sys.stderr, flush=True)
        return _sample(*args, **kwargs)

    nutpie.compile_pymc_model, nutpie.sample = compile_pymc_model, sample
    from analogcast.cli.main import main

    sys.exit(main(sys.argv[1:]))
    """
)


def test_sigint_during_compilation_stops_at_once_and_saves_nothing(tmp_path: Path) -> None:
    """Issue 17: Ctrl-C during compilation was ignored. With an empty PyTensor compile directory
    the model's compilation takes seconds; a SIGINT sent as it starts ends the command there
    (exit 130, "interrupted"): compilation does not finish, sampling never starts, nothing is saved."""
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY_SPEC, encoding="utf-8")
    out = tmp_path / "runs" / "tiny"
    env = dict(os.environ, PYTENSOR_FLAGS=f"base_compiledir={tmp_path / 'compiledir'}")
    cmd = [sys.executable, "-c", _COMPILE_WRAPPER, "fit", str(spec), "--draws", "100000", "--tune", "200", "--out-dir", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    try:
        lines = _read_until(proc, "COMPILE-STARTED", "compilation")
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = "".join(lines) + rest
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in rest and "Traceback" not in err
    assert "COMPILE-DONE" not in rest and "SAMPLING-STARTED" not in rest, rest[-2000:]
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())


def test_interrupt_flag_blocks_saving(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C that a library swallowed is still remembered: nothing is saved after it."""
    from analogcast.cli import _guard

    previous = _guard.install_signal_handlers()
    try:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler runs here
        assert _guard.interrupted()
        with pytest.raises(KeyboardInterrupt):
            _guard.raise_if_interrupted()
    finally:
        _guard.restore_signal_handlers(previous)
        _guard._INTERRUPTED.clear()


def test_killed_writer_temporaries_are_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    # a writer that was SIGKILLed mid-render: its pid is gone, its temporary stays
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = tmp_path / f".report.pdf.{child.pid}-abc123.tmp"
    dead.write_bytes(b"")
    old_format = tmp_path / ".report.pdf.xyz987.tmp"  # an older name without a pid, an hour old
    old_format.write_bytes(b"")
    os.utime(old_format, (time.time() - 3600, time.time() - 3600))
    live = tmp_path / f".report.pdf.{os.getpid()}-def456.tmp"  # this process is still writing it
    live.write_bytes(b"")
    other = tmp_path / f".other.pdf.{child.pid}-abc123.tmp"  # another file's temporary: not ours
    other.write_bytes(b"")
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"%PDF")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["report.pdf", live.name, other.name])
    assert clean_stale_temps(target) == []


def test_sigterm_during_an_atomic_write_leaves_no_temporary(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from analogcast._io import atomic_path
        from analogcast.cli._guard import install_signal_handlers
        install_signal_handlers()
        with atomic_path({str(tmp_path / "r.pdf")!r}) as tmp:
            tmp.write_bytes(b"half")
            print("WRITING", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "WRITING"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode == 143
    assert list(tmp_path.iterdir()) == []
