"""Exception classes: the stdlib's own ``http.client`` classes, plus our stricter ones.

Every exception we raise is an instance of a ``http.client`` class, so code written
against the stdlib (``except http.client.IncompleteRead``) catches ours unchanged.
"""

from http.client import (
    BadStatusLine,
    CannotSendHeader,
    CannotSendRequest,
    HTTPException,
    ImproperConnectionState,
    IncompleteRead,
    InvalidURL,
    LineTooLong,
    NotConnected,
    RemoteDisconnected,
    ResponseNotReady,
    UnimplementedFileMode,
    UnknownProtocol,
    UnknownTransferEncoding,
)

error = HTTPException


class MalformedChunk(IncompleteRead):
    """Chunked framing that is broken (bad size line, missing CRLF after the data).

    A subclass of ``IncompleteRead`` because that is what the stdlib raises for a bad
    chunk size; we also raise it where the stdlib silently skips two unchecked bytes.
    """


class ChunkCut(IncompleteRead):
    """A chunked body cut short; *unfinished*: bytes of a chunk whose data was cut.

    Raised by the parser for the readers, which report it as a plain ``IncompleteRead``
    whose partial data leaves that chunk out, as the stdlib's does.
    """

    def __init__(self, unfinished: int = 0) -> None:
        super().__init__(b"")
        self.unfinished = unfinished


class ResponseFramingError(HTTPException):
    """A response whose length is ambiguous (e.g. conflicting Content-Length values).

    The stdlib takes the first value; reading such a response either way could let one
    response's bytes be read as the next one's, so we refuse it.
    """


class MalformedHeader(HTTPException):
    """A response header or trailer line holding a NUL byte.

    RFC 9110 (5.5) makes CR, LF and NUL invalid in field values; the stdlib passes NUL
    through, and a value cut at it by one reader and not by another is a desync.
    """


class TooManyInformational(HTTPException):
    """More 1xx responses before the final one than we are willing to skip."""


__all__ = [
    "BadStatusLine",
    "CannotSendHeader",
    "CannotSendRequest",
    "HTTPException",
    "ImproperConnectionState",
    "IncompleteRead",
    "InvalidURL",
    "LineTooLong",
    "MalformedChunk",
    "MalformedHeader",
    "NotConnected",
    "RemoteDisconnected",
    "ResponseFramingError",
    "ResponseNotReady",
    "TooManyInformational",
    "UnimplementedFileMode",
    "UnknownProtocol",
    "UnknownTransferEncoding",
    "error",
]
