"""Lazy re-exports for package ``__init__`` modules (PEP 562), shared by every stage.

A package lists ``public name -> defining module`` and gets a module-level ``__getattr__`` and
``__dir__`` that import the defining module on first access and cache the object in the
package's namespace, so importing a package has no side effects and stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package`` re-exporting ``names`` lazily.

    Parameters
    ----------
    package
        The package's ``__name__`` (for the error message).
    names
        Public name -> module that defines it (a name mapped to ``<package>.<name>`` is that
        submodule itself, e.g. ``analogcast.plots``).
    namespace
        The package's ``globals()``: resolved objects are cached there.
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            module = importlib.import_module(names[name])
            value = module if names[name] == f"{package}.{name}" else getattr(module, name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__
