"""``analogcast priors``: build an analogy prior file, or show one.

``analogcast priors build --target AFG --analogs SAU,IRN --method robust_map --discount 0.5
--robust-weight 0.2 --out priors/afghanistan_saudi_iran.toml`` writes the prior TOML;
``analogcast priors show PATH`` prints its per-space table; ``analogcast priors similar --target AFG
--candidates SAU,IRN,PAK`` prints suggested analog weights and the similarity table behind them.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

from analogcast.errors import UserInputError

NAME = "priors"
HELP = "build, show or compare analogy priors (borrowing from analog countries)"


def _float_arg(name: str):  # type: ignore[no-untyped-def]
    def parse(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} = {text!r} is not a number") from None

    return parse


def _list(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def _unique(text: str | None, flag: str) -> list[str]:
    """``_list`` that refuses a repeated entry (after resolving country names/codes)."""
    from analogcast.data import resolve_country

    items = _list(text)
    seen: dict[str, str] = {}
    for it in items:
        try:
            code = resolve_country(it)
        except UserInputError:  # unknown names are reported by the builder, with suggestions
            code = it
        if code in seen:
            raise UserInputError(f"{flag} lists {code} twice ({seen[code]!r} and {it!r}); give each country once")
        seen[code] = it
    return items


def _weights(text: str | None, analogs: Sequence[str]) -> dict[str, float] | list[float] | None:
    """``SAU=1,IRN=0.5`` or ``1,0.5`` (aligned with --analogs)."""
    items = _list(text)
    if not items:
        return None
    try:
        if all("=" in it for it in items):
            return {k.strip(): float(v) for k, v in (it.split("=", 1) for it in items)}
        return [float(it) for it in items]
    except ValueError:
        raise UserInputError(
            f"--weights = {text!r} is not a list like 'SAU=1,IRN=0.5' or '1,0.5'"
        ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands ``build``, ``show`` and ``similar``."""
    sub = parser.add_subparsers(dest="priors_command", metavar="ACTION", parser_class=type(parser))
    b = sub.add_parser("build", help="build an analogy prior and write it as TOML")
    b.add_argument("--target", required=True, help="target country (code or name), e.g. AFG")
    b.add_argument(
        "--analogs",
        default="",
        help="comma-separated analogs: countries or country:YYYY-YYYY spells, e.g. "
        "SAU,IRN,AFG:1996-2000 (a spell of the target = its own earlier regime)",
    )
    b.add_argument(
        "--current-from",
        type=int,
        default=None,
        help="first year of the target's current spell (the one the prior informs); the conflict "
        "check uses only its years, and the target's own spells must end before it",
    )
    b.add_argument(
        "--kappa",
        type=_float_arg("--kappa"),
        default=None,
        help="scale factor theta = kappa * logit(rate) for every space (default: the calibrated "
        "value per space and direction; 1 = raw-rate scale)",
    )
    b.add_argument(
        "--no-episodes",
        action="store_true",
        help="count every event year as an independent trial (default: per episode)",
    )
    b.add_argument(
        "--evidence",
        default="counts",
        help="where each analog's evidence comes from: 'counts' (default; its event counts at the "
        "calibrated scale, seconds) or 'model' (its intercept in the lead event model fitted without the "
        "target's current spell, on the scale of the model's theta; a few minutes)",
    )
    b.add_argument("--origin", type=int, default=None,
                   help="--evidence model: last data year of the fit (default the data's last year)")
    b.add_argument("--evidence-draws", type=int, default=1000,
                   help="--evidence model: draws per chain (2 chains; default 1000)")
    b.add_argument("--evidence-tune", type=int, default=500,
                   help="--evidence model: tuning steps per chain (default 500)")
    b.add_argument("--seed", type=int, default=20240601,
                   help="--evidence model: sampler seed (default 20240601)")
    b.add_argument(
        "--method", default="robust_map", help="map, power, robust_map (default) or none"
    )
    b.add_argument(
        "--discount",
        type=_float_arg("--discount"),
        default=1.0,
        help="power a0 in (0, 1] on the analogs' likelihood (1 = full borrowing; default 1)",
    )
    b.add_argument(
        "--robust-weight",
        type=_float_arg("--robust-weight"),
        default=0.2,
        help="robust_map: prior weight in [0, 1) of the vague component (default 0.2)",
    )
    b.add_argument(
        "--weights",
        default=None,
        help="analog weights, 'SAU=1,IRN=0.5' or '1,0.5' (default equal); 'similar' to use "
        "suggested similarity weights",
    )
    b.add_argument(
        "--window", default=None, help="years of analog history, e.g. 1990-2020 (default all)"
    )
    b.add_argument(
        "--tau-prior",
        default=None,
        help="MAP heterogeneity prior, e.g. 'HalfNormal(1)' (default), 'HalfCauchy(0.5)', 'Fixed(0.3)'",
    )
    b.add_argument(
        "--conflict-years",
        type=int,
        default=10,
        help="conflict check on the target's last N coded years (default 10)",
    )
    b.add_argument(
        "--spaces", default=None, help="comma-separated subset of spaces (default all seven)"
    )
    b.add_argument("--notes", default="", help="free text stored in [meta] notes")
    b.add_argument(
        "--out", required=True, help="output TOML path, e.g. priors/afghanistan_saudi_iran.toml"
    )
    b.add_argument(
        "--overwrite", action="store_true", help="replace --out if it exists (default: refuse)"
    )
    s = sub.add_parser("show", help="print the per-space table of a prior file")
    s.add_argument("path", help="prior TOML file")
    m = sub.add_parser(
        "similar", help="suggest analog weights from similarity on pre-period covariates"
    )
    m.add_argument("--target", required=True)
    m.add_argument("--candidates", required=True, help="comma-separated candidate analogs")
    m.add_argument("--bandwidth", type=_float_arg("--bandwidth"), default=1.0)
    m.add_argument("--years", default=None, help="pre-period, e.g. 2000-2020 (default all)")


def _pct(x: float | None) -> str:
    return "   -  " if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:5.1f}%"


def format_table(prior) -> str:  # type: ignore[no-untyped-def]
    """Plain-text per-space table of an :class:`~analogcast.priors.AnalogPrior`."""
    meta = prior.meta
    head = (
        f"prior for {meta.target} from {', '.join(meta.analogs) or '(no analogs)'}: method {meta.method}, "
        f"discount {meta.discount:g}, robust weight {meta.robust_weight:g}, window {meta.window}"
        + (f", tau ~ {meta.tau_prior}" if meta.tau_prior else "")
        + f"\nyearly event probability: prior mean, median [89% interval]; ESS in country-years; conflict on "
        f"the target's last {meta.conflict_years} coded years"
        + (f" from {meta.current_from}" if meta.current_from else "")
        + " (* = p < 0.05)"
    )
    shares_h = "  ".join(f"{a:>6}" for a in meta.analogs)
    lines = [
        head,
        "analog evidence: "
        + (meta.evidence_source or "-")
        + (f"; target's current spell from {meta.current_from}" if meta.current_from else ""),
        "",
        f"{'space':<14}{'direction':<10}{'mean':>7}{'median':>8} {'[89% interval]':>17}{'ESS':>8}{'moment':>8}  "
        f"{shares_h}{'  conflict p':>12}{'  vague post':>12}",
    ]
    for s, dirs in prior.spaces.items():
        for d, sp in dirs.items():
            shares = "  ".join(f"{sp.ess_share.get(a, 0.0):6.2f}" for a in meta.analogs)
            cp = (
                "     -"
                if sp.conflict_p is None
                else f"{sp.conflict_p:6.3f}{'*' if sp.conflict_flag else ' '}"
            )
            vw = (
                "     -"
                if sp.vague_weight_posterior is None
                else f"{sp.vague_weight_posterior:6.2f}"
            )
            lines.append(
                f"{s:<14}{d:<10}{_pct(sp.rate.mean):>7}{_pct(sp.rate.median):>8} "
                f"[{_pct(sp.rate.lower)}, {_pct(sp.rate.upper)}]"
                f"{sp.ess:8.1f}{sp.ess_moment:8.1f}  {shares}{cp:>12}{vw:>12}"
            )
    drift = getattr(prior, "drift", {}) or {}
    if drift:
        lines += ["", "trajectory model: prior on the target's drift intercept (logit index per year, "
                  "years it moves): mean, sd; analogs' mean changes"]
        for k, dp in drift.items():
            ev = ", ".join(f"{e.label} {e.mean:+.3f} ({e.moved} moves)" for e in dp.evidence)
            lines.append(f"  {k:<14}{dp.mixture.mean():+.3f}  {dp.mixture.sd():.3f}   {ev}")
    if meta.notes:
        lines += ["", f"note: {meta.notes}"]
    return "\n".join(lines)


_ROUTES = ("counts", "model")


def _evidence_route(args: argparse.Namespace) -> str:
    """``--evidence`` checked against the other flags (one line on a bad combination)."""
    from analogcast.errors import did_you_mean

    route = str(args.evidence).strip().lower()
    if route not in _ROUTES:
        raise UserInputError(f"--evidence = {args.evidence!r} is not one of {', '.join(_ROUTES)}."
                             f"{did_you_mean(route, _ROUTES)}")
    if route == "counts":
        return route
    if args.kappa is not None or args.no_episodes:
        flag = "--kappa" if args.kappa is not None else "--no-episodes"
        raise UserInputError(f"{flag} applies to --evidence counts only; the model route is on the model's scale")
    if args.window:
        raise UserInputError("--window applies to --evidence counts only; the model route uses every coded year")
    if args.method == "none":
        raise UserInputError("--method none uses no analog evidence; drop --evidence model")
    for flag, value, low in (("--evidence-draws", args.evidence_draws, 100),
                             ("--evidence-tune", args.evidence_tune, 100)):
        if value < low or value > 100_000:
            raise UserInputError(f"{flag} = {value} must be between {low} and 100000")
    if not 0 <= args.seed < 2**32:
        raise UserInputError(f"--seed = {args.seed} must be between 0 and 2**32 - 1")
    return route


def _model_evidence(args: argparse.Namespace, specs: Sequence[object]):  # type: ignore[no-untyped-def]
    """Fit the lead event model without the target's current spell (:mod:`analogcast.fitting.analog_evidence`)."""
    from analogcast.data import load_panel, resolve_country
    from analogcast.fitting.analog_evidence import fit_analog_evidence

    target = resolve_country(args.target)
    resolved = [a.with_country(resolve_country(a.country)) for a in specs]  # type: ignore[attr-defined]
    last = int(load_panel()["year"].values.max())
    origin = last if args.origin is None else int(args.origin)
    if not 1970 < origin <= last:
        raise UserInputError(f"--origin = {origin} must be between 1971 and the data's last year {last}")
    if args.current_from is not None and args.current_from > origin:
        raise UserInputError(f"--current-from = {args.current_from} is after --origin {origin}")
    fit = fit_analog_evidence(target, resolved, origin=origin, current_from=args.current_from,
                              spaces=_list(args.spaces) or None, draws=args.evidence_draws,
                              tune=args.evidence_tune, seed=args.seed)
    return fit.evidence


def run(args: argparse.Namespace) -> int:
    """Dispatch ``build`` / ``show`` / ``similar``."""
    from analogcast._io import check_output_file
    from analogcast.cli._guard import check_input_file
    from analogcast.fitting.fitter import load_prior_file
    from analogcast.priors import build_prior, suggest_weights

    cmd = getattr(args, "priors_command", None)
    if cmd == "show":
        check_input_file(args.path, "prior file")
        print(format_table(load_prior_file(args.path)))
        return 0
    if cmd == "similar":
        weights, table = suggest_weights(
            args.target, _unique(args.candidates, "--candidates"), bandwidth=args.bandwidth, years=args.years
        )
        print(table.round(3).to_string())
        print("\nsuggested weights: " + ", ".join(f"{k}={v:.3f}" for k, v in weights.items()))
        return 0
    if cmd == "build":
        check_output_file(args.out, "--out", overwrite=args.overwrite)
        from analogcast.data import load_events
        from analogcast.priors.spells import check_spell_coverage, parse_analogs

        specs = parse_analogs(",".join(_unique(args.analogs, "--analogs")), "--analogs")
        years = load_events()["year"].values
        for a in specs:
            check_spell_coverage(a, years, "--analogs")
        analogs = [a.label for a in specs]
        if args.weights and args.weights.strip().lower() == "similar":
            if any(a.is_spell for a in specs):
                raise UserInputError(
                    "--weights similar compares whole countries; give explicit --weights with spells"
                )
            weights, _ = suggest_weights(args.target, analogs)
        else:
            weights = _weights(args.weights, analogs)
        evidence = None
        if _evidence_route(args) == "model":
            from analogcast.priors.build import check_request

            # every other input is refused before the minutes of sampling
            check_request(args.target, analogs, args.method, args.discount, args.robust_weight,
                          weights, args.window, tau_prior=args.tau_prior,
                          conflict_years=args.conflict_years, current_from=args.current_from)
            evidence = _model_evidence(args, specs)
        prior = build_prior(
            args.target,
            analogs,
            method=args.method,
            discount=args.discount,
            robust_weight=args.robust_weight,
            weights=weights,
            window=args.window,
            tau_prior=args.tau_prior,
            conflict_years=args.conflict_years,
            spaces=_list(args.spaces) or None,
            current_from=args.current_from,
            kappa=args.kappa,
            episodes=not args.no_episodes,
            evidence=evidence,
        )
        if args.notes:
            notes = f"{args.notes} | {prior.meta.notes}" if prior.meta.notes else args.notes
            prior = prior.with_meta(notes=notes)
        path = prior.to_toml(args.out)
        print(format_table(prior))
        print(f"\nwrote {path}")
        return 0
    raise UserInputError(
        "priors needs an action: build, show or similar (see 'analogcast priors --help')"
    )
