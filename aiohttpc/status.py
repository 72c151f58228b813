"""Status code constants and the ``responses`` table, as ``http.client`` exports them."""

from http import HTTPStatus

HTTP_PORT = 80
HTTPS_PORT = 443

# Keyed by the members themselves, as the stdlib's (equal and hashing as their ints).
responses: dict[int, str] = {s: s.phrase for s in HTTPStatus}

# ``http.client`` exposes every HTTPStatus member as a module-level int constant.
globals().update(HTTPStatus.__members__)

__all__ = ["HTTPS_PORT", "HTTP_PORT", "responses", *HTTPStatus.__members__]
