"""The field grammar this package reads and writes, in one place. Pure, no I/O.

A field name (and a method) is a token as taken here: any byte but the controls,
space, ``:`` and DEL (bytes above 0x7f pass, as the stdlib lets them). A value sent
may hold horizontal tabs and nothing else below 0x20, and no DEL; a value received
may not hold CR, LF or NUL (RFC 9110, 5.5). A header line is *regular* when it is
``name ":" value`` ended by its only CRLF; the parser's fast paths take regular lines
and leave anything else to ``email.parser``, as ``http.client`` does.
"""

from __future__ import annotations

import re
from typing import Final

NOT_IN_NAME: Final = bytes(range(0x21)) + b":\x7f"

# The (name, value) pairs of the regular lines of a header block (latin-1 text), the
# value's leading blanks dropped; a line with a NUL in its value is not matched.
header_items = re.compile("^([^\x00-\x20:\x7f]+):[ \t]*([^\r\n\x00]*)\r\n", re.MULTILINE).findall

# What a caller may not put on the wire: the first offending character, or None.
bad_in_method = bad_in_url = re.compile("[\x00-\x20\x7f]").search
bad_in_encoded = re.compile(rb"[\x00-\x20\x7f]").search  # a request line's part, encoded
bad_in_name = re.compile(rb"[\x00-\x20:\x7f]").search
bad_in_value = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]").search


def field(line: bytes) -> tuple[str, str] | None:
    """(name, value) of one header line without its line end, if regular; else None."""
    name, sep, value = line.partition(b":")
    if not sep or not name or name.translate(None, NOT_IN_NAME) != name:
        return None
    return name.decode("latin-1"), value.lstrip(b" \t").decode("latin-1")
