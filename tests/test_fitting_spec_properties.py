"""Property tests of fit specs (Hypothesis; profile "ci" by default, see tests/conftest.py).

* every valid spec drawn here parses to what was written (checked field by field against the
  input, not against the parser's own output), and round-trips: ``parse_spec(spec.to_toml()) ==
  spec``, with the TOML text itself stable;
* one bad value in an otherwise valid spec gives one line, starting with the file name and
  naming the offending field (or key);
* the Hypothesis profiles: derandomized by default, random with ``HYPOTHESIS_PROFILE=nightly``.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from analogcast.errors import UserInputError
from analogcast.fitting import parse_spec

ROOT = Path(__file__).resolve().parents[1]
SPACES = ("associational", "informational", "individual", "governing", "electoral", "economic", "women")
#: written target -> the canonical code the spec must hold
TARGETS = {"AFG": "AFG", "Afghanistan": "AFG", "afghanistan": "AFG", "PAK": "PAK", "Egypt": "EGY"}
ANALOGS = ("SAU", "IRN", "JOR", "MAR")

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30)
_name = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}", fullmatch=True)
_covariate = st.one_of(
    st.floats(0.0, 40.0, allow_nan=False),
    st.lists(st.floats(0.0, 40.0, allow_nan=False), min_size=1, max_size=10),
    st.just("hold"),
)


@st.composite
def _scenario(draw: st.DrawFn, name: str) -> dict[str, Any]:
    s: dict[str, Any] = {"name": name}
    if draw(st.booleans()):
        s["label"] = draw(_text.filter(str.strip)).strip()
    if draw(st.booleans()):
        s["note"] = draw(_text.filter(str.strip)).strip()
    if draw(st.booleans()):
        s["oda_gni"] = draw(_covariate)
    if draw(st.booleans()):
        s["alt_patrons"] = draw(st.sampled_from([0, 1]))
    if draw(st.booleans()):
        s["sanctions"] = draw(st.integers(0, 20))
    return s


@st.composite
def valid_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid spec as the dict a user's TOML file parses to."""
    d: dict[str, Any] = {
        "title": draw(_text.filter(str.strip)).strip(),
        "target": draw(st.sampled_from(sorted(TARGETS))),
        "origin": draw(st.integers(2000, 2023)),
        "horizons": sorted(draw(st.sets(st.integers(1, 10), min_size=1, max_size=4))),
        "level": draw(st.floats(0.5, 0.99)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }
    if draw(st.booleans()):
        d["name"] = draw(_name)
    d["spaces"] = draw(st.one_of(st.just("all"), st.lists(st.sampled_from(SPACES), min_size=1, max_size=3, unique=True)))
    if draw(st.booleans()):
        d["deltas"] = sorted(draw(st.sets(st.floats(0.01, 0.5), min_size=1, max_size=3)))
    names = draw(st.lists(st.sampled_from(["event_logit", "trajectory"]), min_size=1, max_size=2, unique=True))
    d["model"] = {"names": names}
    prior = draw(st.sampled_from(["none", "inline"]))
    if prior == "none":
        d["prior"] = {"method": "none"}
    else:
        d["prior"] = {
            "method": draw(st.sampled_from(["map", "power", "robust_map"])),
            "analogs": draw(st.lists(st.sampled_from(ANALOGS), min_size=1, max_size=3, unique=True)),
            "discount": draw(st.floats(0.05, 1.0)),
        }
    d["sampler"] = {
        "draws": draw(st.integers(10, 5000)),
        "tune": draw(st.integers(0, 5000)),
        "chains": draw(st.integers(1, 4)),
        "backend": draw(st.sampled_from(["nutpie", "pymc"])),
    }
    if draw(st.booleans()):
        d["sampler"]["target_accept"] = draw(st.floats(0.55, 0.99))
    scen_names = draw(st.lists(_name, min_size=1, max_size=3, unique=True))
    d["scenarios"] = [draw(_scenario(n)) for n in scen_names]
    return d


def _assert_as_written(spec: Any, d: dict[str, Any]) -> None:
    """``spec`` holds what the dict ``d`` says, field by field (normalised as documented)."""
    assert spec.title == d["title"] and spec.target == TARGETS[d["target"]]
    assert spec.origin == d["origin"] and spec.seed == d["seed"] and spec.level == d["level"]
    assert list(spec.horizons) == d["horizons"] and spec.name == d.get("name")
    want_spaces = SPACES if d["spaces"] == "all" else tuple(s for s in SPACES if s in d["spaces"])
    assert spec.spaces == want_spaces
    assert spec.deltas == (tuple(d["deltas"]) if "deltas" in d else None)
    assert list(spec.model.names) == d["model"]["names"]
    assert spec.prior is not None and spec.prior.method == d["prior"]["method"]
    if "analogs" in d["prior"]:
        assert list(spec.prior.analogs) == d["prior"]["analogs"] and spec.prior.discount == d["prior"]["discount"]
    for key in ("draws", "tune", "chains", "backend", "target_accept"):
        assert getattr(spec.sampler, key) == d["sampler"].get(key), key
    assert [s.name for s in spec.scenarios] == [s["name"] for s in d["scenarios"]]
    for got, want in zip(spec.scenarios, d["scenarios"], strict=True):
        assert got.label == want.get("label", "") and got.note == want.get("note", "")
        assert got.paths == {k: tuple(want[k]) if isinstance(want[k], list) else want[k]
                             for k in ("oda_gni", "alt_patrons", "sanctions") if k in want}


@given(valid_specs())
def test_valid_specs_parse_to_what_was_written_and_round_trip(d: dict[str, Any]) -> None:
    spec = parse_spec(tomli_w.dumps(d), source="gen.toml")
    _assert_as_written(spec, d)
    # and back: the spec's own TOML parses to an equal spec that still holds what was written
    # (equality alone compares two serialisations, blind to a field both drop), same TOML text
    text = spec.to_toml()
    again = parse_spec(text, source="again.toml")
    assert again == spec
    _assert_as_written(again, d)
    assert again.to_toml() == text


#: (path in the spec dict, bad values, a word the error line must contain)
BAD_FIELDS: list[tuple[tuple[Any, ...], list[Any], str]] = [
    (("origin",), [1800, 2200, "2020", 2000.5], "origin"),
    (("level",), [0.0, 1.0, 1.5, "high"], "level"),
    (("seed",), [-1, 2**33, "seven", 1.5], "seed"),
    (("horizons",), [[0], [11], [], [5, 2]], "horizons"),
    (("title",), ["", "x" * 300], "title"),
    (("target",), ["Atlantis", ""], "target"),
    (("spaces",), [["electorall"], []], "space"),
    (("sampler", "draws"), [0, 5, -100, "many", 2.5], "draws"),
    (("sampler", "tune"), [-1, "x"], "tune"),
    (("sampler", "chains"), [0, 17, "two"], "chains"),
    (("sampler", "backend"), ["stan"], "backend"),
    (("sampler", "target_accept"), [0.3, 1.0, "high"], "target_accept"),
    (("sampler", "drows"), [100], "drows"),
    (("model", "names"), [["event_logt"], []], "event_logt|names"),
    (("prior", "method"), ["mapp"], "method"),
    (("scenarios", 0, "oda_gni"), [-1.0, "lots", [1.0, -2.0]], "oda_gni"),
    (("scenarios", 0, "alt_patrons"), [2, 0.5], "alt_patrons"),
    (("scenarios", 0, "sanctions"), [-3], "sanctions"),
    (("scenarios", 0, "oda_gnii"), [5.0], "oda_gnii"),
    (("scenarios", 0, "name"), ["bad name!", ""], "name"),
]


@st.composite
def one_bad_field(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    d = copy.deepcopy(draw(valid_specs()))
    path, values, word = draw(st.sampled_from(BAD_FIELDS))
    parent: Any = d
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = draw(st.sampled_from(values))
    return d, word


@given(one_bad_field())
def test_one_bad_field_is_one_line_naming_it(case: tuple[dict[str, Any], str]) -> None:
    import re

    d, word = case
    with pytest.raises(UserInputError) as info:
        parse_spec(tomli_w.dumps(d), source="gen.toml")
    msg = str(info.value)
    assert msg.startswith("gen.toml: ") and "\n" not in msg and "Traceback" not in msg, msg
    assert re.search(word, msg), f"the error does not name {word!r}: {msg}"


def test_hypothesis_profiles() -> None:
    """Default (and CI) runs are derandomized; HYPOTHESIS_PROFILE=nightly draws random examples."""
    from hypothesis import settings

    if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci":
        assert settings.default.derandomize is True and settings.default.database is None
    code = ("import sys; sys.path.insert(0, 'tests'); import conftest; from hypothesis import settings; "
            "print(settings.default.derandomize, settings.default.max_examples)")
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"}
    for profile, want in ((None, "True 100"), ("ci", "True 100"), ("nightly", "False 500")):
        e = dict(env, CI="true") if profile is None else dict(env, HYPOTHESIS_PROFILE=profile)
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=e, capture_output=True, text=True, check=True)
        assert out.stdout.split() == want.split(), (profile, out.stdout, out.stderr)
