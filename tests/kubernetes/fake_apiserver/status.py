"""The API server's errors as it sends them: a `Status` object with the HTTP code, a machine
reason (NotFound, AlreadyExists, Invalid, ...) and a message worded like the real one's."""
from __future__ import annotations


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self) -> dict:
        out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": self.message, "reason": self.reason, "code": self.code}
        if self.details is not None:
            out["details"] = self.details
        return out


def not_found(plural: str, name: str, group: str = "") -> ApiError:
    return ApiError(404, "NotFound", f'{_resource(plural, group)} "{name}" not found',
                    {"name": name, "group": group, "kind": plural})


def already_exists(plural: str, name: str, group: str = "") -> ApiError:
    return ApiError(409, "AlreadyExists", f'{_resource(plural, group)} "{name}" already exists',
                    {"name": name, "group": group, "kind": plural})


def invalid(kind: str, name: str, causes: list[str], group: str = "") -> ApiError:
    return ApiError(422, "Invalid", f'{kind} "{name}" is invalid: {"; ".join(causes)}',
                    {"name": name, "group": group, "kind": kind,
                     "causes": [{"reason": "FieldValueInvalid", "message": c} for c in causes]})


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def success(plural: str, name: str, uid: str, group: str = "") -> dict:
    """What a DELETE of most kinds answers (pods answer with the pod itself)."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": name, "group": group, "kind": plural, "uid": uid}}


def _resource(plural: str, group: str) -> str:
    return f"{plural}.{group}" if group else plural
