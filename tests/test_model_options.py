"""Typed model options: every bad option is refused in one line naming it, before any sampling.

The hostile inputs of issue 17 (item 3) go through the spec, through ``grid --set`` and through
``options_for``; the schemas' defaults must agree with the models' own ``DEFAULT_OPTIONS``.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest

from analogcast.cli.main import main
from analogcast.errors import UserInputError
from analogcast.fitting import parse_spec
from analogcast.models.options import MAX_N_PATHS, OPTION_SCHEMAS, options_for
from analogcast.runs.grid import expand_grid, parse_set

BASE = """
title = "options"
target = "AFG"
origin = 2020
spaces = ["women"]
horizons = [2]
prior = "none"

[model]
names = ["event_logit", "trajectory"]

[sampler]
draws = 20
tune = 20
chains = 1

[[scenarios]]
name = "status_quo"
"""


def _with(model: str, line: str) -> str:
    return BASE.replace("[sampler]", f"[model.options.{model}]\n{line}\n\n[sampler]")


def test_schema_defaults_are_the_models_defaults() -> None:
    from analogcast.models import event, trajectory

    assert options_for("event_logit", {}) == event.DEFAULT_OPTIONS
    assert options_for("trajectory", {}) == trajectory.DEFAULT_OPTIONS
    assert set(OPTION_SCHEMAS) == {"event_logit", "trajectory"}


# (model, option line, words the one-line message must contain)
HOSTILE: list[tuple[str, str, tuple[str, ...]]] = [
    ("event_logit", 'aid_prior_sd = "x"', ("model.options.event_logit.aid_prior_sd", "must be a number", "'x'")),
    ("event_logit", "aid_prior_sd = [1.0]", ("aid_prior_sd", "must be a number", "[1.0]")),
    ("event_logit", "aid_prior_sd = 0", ("aid_prior_sd", "> 0")),
    ("event_logit", "aid_prior_sd = true", ("aid_prior_sd", "must be a number")),
    ("event_logit", "aid_prior_mean = inf", ("aid_prior_mean", "finite")),
    ("event_logit", "aid_prior_mean = nan", ("aid_prior_mean", "finite")),
    ("event_logit", "aid_prior_sd = {aid = 0.3, sanction = 1.0}", ("aid_prior_sd", "unknown aid term 'sanction'", "'sanctions'")),
    ("event_logit", "aid_prior_sd = {aid = -0.3}", ("aid_prior_sd", "aid", "> 0")),
    ("event_logit", "beta_prior_sd = -inf", ("beta_prior_sd",)),
    ("event_logit", "control_fraction = 1.5", ("control_fraction", "less than or equal to 1")),
    ("event_logit", 'centred = "yes"', ("centred", "valid boolean")),
    ("event_logit", "start = 1970.5", ("start", "valid integer")),
    ("event_logit", 'sigma_year_prior = "cauchy"', ("sigma_year_prior", "'gamma'", "'halfnormal'")),
    ("event_logit", "aid_prior_sdd = 1.0", ("unknown option 'aid_prior_sdd'", "Did you mean 'aid_prior_sd'")),
    ("trajectory", 'n_paths = "many"', ("model.options.trajectory.n_paths", "valid integer", "'many'")),
    ("trajectory", "n_paths = 1e12", ("n_paths", "valid integer")),
    ("trajectory", "n_paths = 1000000000000", ("n_paths", f"less than or equal to {MAX_N_PATHS}")),
    ("trajectory", "n_paths = 2.7", ("n_paths", "valid integer", "2.7")),
    ("trajectory", "n_paths = 0", ("n_paths", "greater than or equal to 1")),
    ("trajectory", "countries = 1", ("countries", "0 (all countries)")),
    ("trajectory", "npaths = 5", ("unknown option 'npaths'", "'n_paths'")),
]


@pytest.mark.parametrize(("model", "line", "words"), HOSTILE, ids=[f"{m}:{line}" for m, line, _ in HOSTILE])
def test_hostile_option_is_one_line_naming_it(model: str, line: str, words: tuple[str, ...]) -> None:
    with pytest.raises(UserInputError) as info:
        parse_spec(_with(model, line), source="opts.toml")
    msg = str(info.value)
    assert msg.startswith("opts.toml: ") and "\n" not in msg and len(msg) < 300, msg
    for w in words:
        assert w in msg, (w, msg)


def test_valid_options_round_trip_and_keep_only_what_was_given() -> None:
    spec = parse_spec(_with("event_logit", "aid_prior_sd = {aid = 0.25}\ncontrol_fraction = 1") + "", source="t")
    assert spec.model.options == {"event_logit": {"aid_prior_sd": {"aid": 0.25}, "control_fraction": 1.0}}
    assert parse_spec(spec.to_toml()) == spec
    spec = parse_spec(_with("trajectory", "n_paths = 7\ncountries = 0"), source="t")
    assert spec.model.options == {"trajectory": {"n_paths": 7, "countries": 0}}
    assert isinstance(spec.model.options["trajectory"]["n_paths"], int)


def test_options_for_fills_defaults_and_the_models_accept_them() -> None:
    from analogcast.models import get_model

    opts = options_for("trajectory", {"n_paths": 3})
    assert opts["n_paths"] == 3 and opts["wbl"] is True and len(opts) == len(OPTION_SCHEMAS["trajectory"].model_fields)
    assert options_for("trajectory", {"n_paths": 3}, defaults=False) == {"n_paths": 3}
    assert get_model("trajectory", **opts).options == opts
    ev = options_for("event_logit", {"aid_prior_mean": {"aid_cw": 0.1}})
    assert get_model("event_logit", **ev).options["aid_prior_mean"] == {"aid_cw": 0.1}
    with pytest.raises(UserInputError, match=r"model 'trajectory' option 'n_paths': .*valid integer"):
        options_for("trajectory", {"n_paths": 2.7})
    with pytest.raises(UserInputError, match="unknown model 'trajectori'.*'trajectory'"):
        options_for("trajectori", {})


@pytest.mark.parametrize(
    ("flag", "words"),
    [
        ("model.options.trajectory.n_paths=2.7", ("n_paths", "valid integer")),
        ("model.options.trajectory.n_paths=many", ("n_paths", "valid integer", "'many'")),
        ("model.options.event_logit.aid_prior_sd=x", ("aid_prior_sd", "must be a number")),
        ("model.options.event_logit.aid_prior_sd=[1.0]", ("aid_prior_sd", "must be a number")),
        ("model.options.event_logit.aid_prior_mean=inf", ("aid_prior_mean", "finite")),
    ],
)
def test_grid_set_validates_options_before_sampling(flag: str, words: tuple[str, ...]) -> None:
    spec = parse_spec(BASE, source="base.toml")
    key, values = parse_set(flag)
    with pytest.raises(UserInputError) as info:
        expand_grid(spec, {key: values}, source="base.toml")
    msg = str(info.value)
    assert "\n" not in msg and f"--set {key}" in msg, msg
    for w in words:
        assert w in msg, (w, msg)


def test_cli_fit_refuses_a_bad_option_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(_with("trajectory", "n_paths = 2.7"))
    err = io.StringIO()
    code: Any
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["fit", str(path), "--quiet", "--out-dir", str(tmp_path / "runs")])
    assert code == 1
    assert err.getvalue().count("\n") == 1 and "Traceback" not in err.getvalue()
    assert "model.options.trajectory.n_paths" in err.getvalue()
    assert not (tmp_path / "runs").exists()
