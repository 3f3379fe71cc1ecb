"""Checks of the caller's arguments, before anything goes on the wire."""

from collections.abc import Iterable

UINT64_MAX = 2**64 - 1


def uint64(name: str, value: object) -> int:
    """`value` as a revision, position or count: an int from 0 to 2**64 - 1 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= UINT64_MAX:
        raise ValueError(f"{name} must be between 0 and 2**64 - 1, not {value}")
    return value


def strings(name: str, values: Iterable[str]) -> list[str]:
    """A list of strings; a lone string is refused (it would be taken letter by letter)."""
    if isinstance(values, str):
        raise TypeError(f"{name} must be a list of strings, not a string: write [{values!r}]")
    result = list(values)
    for value in result:
        if not isinstance(value, str):
            raise TypeError(f"{name} must hold strings, not {type(value).__name__}")
    return result
