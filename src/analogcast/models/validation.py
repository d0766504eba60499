"""One-line messages from pydantic validation: the errors a validator raises and how they print.

The fit specification (:mod:`analogcast.fitting.spec`) and the scenario type
(:mod:`analogcast.models.scenario_type`, which the spec's ``[[scenarios]]`` tables are) validate
with pydantic and report every problem as ONE line naming the field, with a "did you mean" hint
where a close match exists. Both raise the errors defined here and print them with
:func:`first_problem`, so a value refused inside a spec and the same value refused when a
scenario is built directly read the same; only where it happened differs.

Three kinds of error carry their own words:

- :func:`fail`: a message written by a validator, printed exactly (``at`` extends its location);
- :func:`unknown_key`: a key the section does not know, with a did-you-mean from its own keys;
- :func:`missing_key`: a required key that is absent.

Any other error is pydantic's own (a wrong type, a number out of range); its message gains the
value given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from analogcast.errors import did_you_mean

__all__ = ["fail", "unknown_key", "missing_key", "format_error", "first_problem", "one_line", "loc_text"]


def fail(message: str, *, at: Sequence[str | int] = ()) -> PydanticCustomError:
    """A validation error whose text is ``message`` exactly; ``at`` extends its location.

    Parameters
    ----------
    message
        The whole problem, in plain words (``"must be >= 0, got -1"``).
    at
        Keys below the validated field (e.g. a covariate under ``paths``).
    """
    return PydanticCustomError("analogcast", "{message}", {"message": message, "at": tuple(at)})


def unknown_key(key: Any, value: Any, accepted: Iterable[str], *, note: str = "",
                listed: Iterable[str] | None = None) -> PydanticCustomError:
    """The error of an unknown key; the section's location is added when the message is formatted.

    Parameters
    ----------
    key, value
        The key as written and its value (a table makes it an unknown "section").
    accepted
        The keys the section accepts (the did-you-mean looks among them).
    note
        Text after the key (``" (neither a field nor a scenario covariate)"``).
    listed
        The keys named when no close match exists (default: ``accepted``).
    """
    accepted = list(accepted)
    hint = did_you_mean(str(key), accepted)
    shown = list(listed) if listed is not None else accepted
    tail = f"{note}.{hint}" if hint else f"{note}. Accepted: {', '.join(shown)}"
    what = "section" if isinstance(value, Mapping) else "key"
    return PydanticCustomError("unknown_key", "unknown {what} '{key}'{tail}", {"what": what, "key": str(key), "tail": tail})


def missing_key(name: str) -> PydanticCustomError:
    """The error of a required key that is absent."""
    return PydanticCustomError("missing_key", "missing required key '{key}'", {"key": name})


def loc_text(loc: Sequence[str | int], data: Any) -> str:
    """Human path of an error location, naming list items by their ``name``: ``scenarios.isolation.paths``."""
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, Sequence) and not isinstance(node, str) and 0 <= part < len(node) else None
            name = item.get("name") if isinstance(item, Mapping) else None
            parts.append(name if isinstance(name, str) else f"[{part}]")
            node = item
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, Mapping) else None
    return ".".join(parts).replace(".[", "[")


def format_error(err: Mapping[str, Any], data: Any, *, top: str = "at the top level") -> str:
    """One problem as text, from the public parts of a pydantic error (location, message,
    input, context). The validators wrote the words; this adds where.

    Parameters
    ----------
    err
        One entry of ``ValidationError.errors()``.
    data
        What was validated (list items are named by their ``name`` key).
    top
        How an unknown key of the validated object itself is placed (``""``: not at all).
    """
    ctx = err.get("ctx") or {}
    loc = (*err.get("loc", ()), *ctx.get("at", ()))
    where = loc_text(loc, data)
    kind = err.get("type")
    if kind == "unknown_key":
        inside = f" in [{where}]" if where else (f" {top}" if top else "")
        return f"unknown {ctx['what']} '{ctx['key']}'{inside}{ctx['tail']}"
    if kind == "missing_key":
        return f"missing required key '{where + '.' if where else ''}{ctx['key']}'"
    msg = str(err.get("msg", "invalid value"))
    if kind != "analogcast":  # pydantic's own words: say what was given
        shown = repr(err.get("input"))
        msg += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return f"{where}: {msg}" if where else msg


def first_problem(exc: ValidationError, data: Any, *, top: str = "at the top level") -> str:
    """The first problem (an unknown key first; a deeper problem before what it caused) and a count.

    Parameters
    ----------
    exc
        The validation error.
    data
        What was validated.
    top
        See :func:`format_error`.
    """
    errors = exc.errors(include_url=False)
    locs = [tuple(e.get("loc", ())) for e in errors]
    # a list whose item failed also reports its (now shorter) length: keep the item's error
    kept = [e for e, loc in zip(errors, locs, strict=True)
            if not any(len(o) > len(loc) and o[: len(loc)] == loc for o in locs)]
    kept.sort(key=lambda e: e.get("type") != "unknown_key")
    head = format_error(kept[0], data, top=top)
    more = len(kept) - 1
    return head + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def one_line(text: str) -> str:
    """Escape control characters (newlines in user keys and values) so a message stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
