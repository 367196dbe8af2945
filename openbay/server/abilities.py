"""The sandbox backend's abilities as the server sees them: read once at wiring, and the one place
that turns an ability the backend lacks into a 501 `not_supported` naming both."""
from __future__ import annotations

from typing import TypeVar

from openbay.protocol import ErrorCode
from openbay.sandbox import Backend, abilities_of

from .errors import ApiError

A = TypeVar("A")


class BackendAbilities:
    def __init__(self, backend: Backend):
        self.backend = backend
        self.declared = abilities_of(backend)  # a declared ability that is not all there fails here

    def has(self, ability: type) -> bool:
        return ability in self.declared

    def get(self, ability: type[A]) -> A | None:
        """The backend as that ability, or None when it does not declare it."""
        return self.backend if ability in self.declared else None  # type: ignore[return-value]

    def require(self, ability: type[A], doing: str) -> A:
        """The backend as that ability; a 501 saying which backend cannot do what, and why."""
        if ability not in self.declared:
            raise ApiError(ErrorCode.NOT_SUPPORTED,
                           f"the {self.backend.name} sandbox backend cannot {doing} (it lacks the "
                           f"{ability.__name__} ability)",
                           details={"backend": self.backend.name, "ability": ability.__name__})
        return self.backend  # type: ignore[return-value]

    def names(self) -> list[str]:
        return sorted(a.__name__ for a in self.declared)
