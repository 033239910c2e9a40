"""`cast` and `overload` for the modules on a one-shot command's path, without `typing`.

mypy reads typing's own (it follows the `TYPE_CHECKING` branch). At run time `cast` returns its
value and `overload` its function, which is all that typing's versions do that matters here,
and `typing` is not imported: it costs each `zwgk` command ~4 ms (bench/README.md).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import cast, overload
else:

    def cast(_kind, value):  # typing.cast is what mypy reads
        return value

    def overload(func):  # the implementation's def replaces it
        return func


__all__ = ["cast", "overload"]
