"""Per-draw log-likelihood and log-prior totals of a fitted model, for power-scaling sensitivity.

arviz-stats' ``psense``/``psense_summary`` (Kallioinen et al. 2024) power-scale the prior or the
likelihood by importance-weighting the posterior draws with ``(alpha - 1) * log density`` per
draw. They stack every non-sample dimension of the ``log_likelihood`` / ``log_prior`` groups and
sum it, so per-draw totals are all they need. Pointwise log-likelihood (up to ~1e6 rows x 3000
draws) would be far too big to store; this module stores

* ``log_likelihood``: one variable per observed RV, the sum of its pointwise log-likelihood,
  dims ``(chain, draw)``;
* ``log_prior``: one variable per free RV, the sum of its log density, dims ``(chain, draw)``,
  with attribute ``group_level`` (1 or 0). For hierarchical models Kallioinen et al. (2024)
  recommend power-scaling only the top-level priors (brms' ``lprior`` leaves out the group-level
  effects the same way); a free RV counts as group-level when its prior's parameters depend on
  another free RV (centred effects, e.g. ``year_opening ~ ZeroSumNormal(sigma_year)``) or when it
  is a standardised non-centred offset, which the models name ``z_*``.

Both are what ``pymc.compute_log_likelihood`` / ``pymc.compute_log_prior`` would give, summed:
the same graph (``remove_value_transforms`` of the model, so densities are on the constrained
scale the posterior stores, without Jacobians), evaluated by one compiled PyTensor function per
draw (all outputs at once, ~1.5 ms per draw on the full event_logit panel).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm
    import xarray as xr

__all__ = ["log_density_groups", "has_log_groups", "group_level", "LOG_GROUPS"]

#: The DataTree groups written per model.
LOG_GROUPS: tuple[str, str] = ("log_likelihood", "log_prior")


def log_density_groups(pm_model: pm.Model, posterior: xr.Dataset) -> dict[str, xr.Dataset]:
    """Per-draw summed log-likelihood (per observed RV) and log prior (per free RV).

    Parameters
    ----------
    pm_model
        The model that was sampled (``ForecastModel.build``).
    posterior
        Its posterior draws (dims ``chain``, ``draw``, ...), free RVs on the constrained scale,
        as PyMC and nutpie store them.

    Returns
    -------
    dict
        ``{"log_likelihood": Dataset, "log_prior": Dataset}``, every variable with dims
        ``(chain, draw)`` and the posterior's chain/draw coordinates. ``log_likelihood`` is empty
        for a model without observed RVs.

    Raises
    ------
    KeyError
        A free RV of the model has no draws in ``posterior``.
    """
    import pytensor
    import pytensor.tensor as pt
    import xarray as xr
    from pymc.model.transform.conditioning import remove_value_transforms

    # densities of the untransformed values: the posterior stores the constrained draws
    umodel = remove_value_transforms(pm_model)
    # in the model's own order (remove_value_transforms reorders its RVs)
    observed = [umodel.named_vars[rv.name] for rv in pm_model.observed_RVs]
    free = [umodel.named_vars[rv.name] for rv in pm_model.free_RVs]
    terms = umodel.logp(vars=observed + free, sum=False)
    outs = [pt.sum(t, dtype="float64") for t in terms]
    value_vars = [umodel.rvs_to_values[rv] for rv in free]
    from analogcast.models.sampling import exact_numerics, nutpie_compiler

    # compiled like the sampler's log density: XLA compiles this graph in seconds where numba
    # takes minutes on a cold cache (bench/results/compile.json)
    mode = None
    if nutpie_compiler() == "jax":
        from analogcast.models.sampling import _prepare_jax

        _prepare_jax()
        mode = "JAX"

    def compiled(mode: str | None) -> Any:
        with exact_numerics():  # the same totals whatever the compile cache holds
            return pytensor.function(value_vars, outs, on_unused_input="ignore", trust_input=True,
                                     mode=mode)

    post = posterior.transpose("chain", "draw", ...)
    n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
    draws = []
    for rv, vv in zip(free, value_vars, strict=True):
        if rv.name not in post:
            raise KeyError(f"posterior has no draws of free variable {rv.name!r}")
        arr = np.ascontiguousarray(post[rv.name].values, dtype=vv.type.dtype)
        draws.append(arr.reshape((n_chain * n_draw, *arr.shape[2:])))
    fn = compiled(mode)
    if mode == "JAX" and n_chain * n_draw:
        try:  # JAX traces at the first call
            fn(*[a[0, ...] for a in draws])
        except TypeError:
            # a graph XLA cannot trace (the trajectory model's log densities: a shape computed
            # from a value, "Shapes must be 1D sequences of concrete values"); PyTensor's own C
            # backend evaluates it (about 10 s to compile cold, 2 s for 2,000 draws warm)
            fn = compiled(None)
    out = np.empty((len(outs), n_chain * n_draw))
    for i in range(n_chain * n_draw):
        vals = fn(*[a[i, ...] for a in draws])  # [i, ...]: a 0-d array, never a numpy scalar
        for j, v in enumerate(vals):
            out[j, i] = v
    out = out.reshape((len(outs), n_chain, n_draw))
    coords = {d: post[d].values for d in ("chain", "draw") if d in post.coords}

    def dataset(names: list[str], block: np.ndarray, what: str, var_attrs: dict[str, dict[str, Any]] | None = None) -> xr.Dataset:
        return xr.Dataset(
            {n: (("chain", "draw"), block[k], (var_attrs or {}).get(n, {})) for k, n in enumerate(names)},
            coords=coords,
            attrs={"description": what, "pointwise": 0},
        )

    k = len(observed)
    return {
        "log_likelihood": dataset(
            [rv.name for rv in observed], out[:k], "per-draw log-likelihood summed over all observations of each observed variable"
        ),
        "log_prior": dataset(
            [rv.name for rv in free],
            out[k:],
            "per-draw log prior density of each free variable (summed over its elements)",
            {name: {"group_level": int(flag)} for name, flag in group_level(pm_model).items()},
        ),
    }


def group_level(pm_model: pm.Model) -> dict[str, bool]:
    """Free RV name -> whether its prior is group-level (see the module docstring): its
    parameters depend on another free RV, or it is a non-centred offset named ``z_*``."""
    from pytensor.graph.traversal import ancestors

    free = list(pm_model.free_RVs)
    out: dict[str, bool] = {}
    for rv in free:
        others = {f for f in free if f is not rv}
        parents = ancestors(list(rv.owner.inputs), blockers=list(others)) if rv.owner is not None else []
        out[rv.name] = rv.name.startswith("z_") or any(a in others for a in parents)
    return out


def has_log_groups(node: Any) -> bool:
    """True when a model node of a fitted DataTree holds both groups (and a posterior)."""
    return {"posterior", *LOG_GROUPS} <= set(getattr(node, "children", {}))
