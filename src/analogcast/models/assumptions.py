"""Plain-language assumptions of the registry models' scenario forecasts (quoted by reports).

Stored in every forecast's ``attrs["assumptions"]`` by the scenario engine.
"""

from __future__ import annotations

__all__ = ["ASSUMPTIONS"]

ASSUMPTIONS: tuple[str, ...] = (
    "Aid and sanctions terms are observational associations, not experiments: the model estimates "
    "aid, aid x Cold-War era (Dunning 2004: leverage weaker while donors competed, up to 1990) and "
    "aid x measured patron alignment from variation across countries and years, with year effects "
    "absorbing global trends; aid donors choose recipients, so the terms are not causal effects.",
    "'Alternative patrons' is measured, not assumed: alt_patrons = 1 sets UN General Assembly "
    "alignment with China/Russia relative to the US (patron_align) and Chinese official finance "
    "(cn_finance) to the median of Iran and Myanmar in 2015-2019; alt_patrons = 0 to Afghanistan's "
    "2002-2019 median. Forecast years are after the Cold War (era flag 0) in every scenario.",
    "Sanctions enter two years before the outcome, because sanctions follow repression (reverse "
    "causality); a scenario's sanctions first move the hazard two years after the origin.",
    "Missing-data indicators are held at the target's state at the origin in every scenario (a "
    "scenario sets covariate values, never missingness), so they shift all scenarios alike.",
    "In the event model, the hazard of each future year is evaluated given that no event has happened "
    "since the origin (the survival path): the index level stays at its origin value, its recent "
    "change fades to zero within two years and the years since its last large move keep counting; "
    "small moves below the cutpoint are ignored (the trajectory model lets the index evolve fully).",
    "Covariates a scenario does not set are held at the target's last observed value.",
    "Future global year shocks are drawn from their estimated distribution.",
)

