"""Headers.message: the HTTPMessage of a regular block is built from the items the
parser already split, and must be exactly what http.client's parse_headers builds."""

from __future__ import annotations

import http.client
import io

import pytest

from aiohttpc._sansio.headers import Headers, split_regular

BLOCKS = [
    b"\r\n",
    b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\n",
    b"X-Empty:\r\nX-Spaces:   padded  \r\nX-Tab:\tv\r\n\r\n",
    b"Set-Cookie: a=1\r\nSet-Cookie: b=2; Path=/\r\nset-cookie: c=3\r\n\r\n",
    b"Content-Type: multipart/mixed; boundary=xyz\r\n\r\n",  # the email parser's defects
    b"Content-type:  Message/rfc822\r\n\r\n",
    b"X-Latin: caf\xe9\r\nX-Colon: a: b: c\r\n\r\n",
    b"Name\xe9: v\r\nAfter: w\r\n\r\n",  # a non-ASCII name: the email parser stops there
    b"Folded: a\r\n b\r\nNext: c\r\n\r\n",  # not regular: parsed by email, as the stdlib
]


@pytest.mark.parametrize("raw", BLOCKS, ids=range(len(BLOCKS)))
def test_message_is_what_the_stdlib_parses(raw):
    theirs = http.client.parse_headers(io.BytesIO(raw))
    items = split_regular(raw)
    ours = Headers(raw, items).message if items is not None else Headers(raw).message
    mine, stdlibs = dict(vars(ours)), dict(vars(theirs))
    assert [type(d) for d in mine.pop("defects")] == [type(d) for d in stdlibs.pop("defects")]
    payload = mine.pop("_payload")
    assert type(payload) is type(stdlibs.pop("_payload"))  # a nested message: as_string below
    assert mine == stdlibs
    assert ours.get_content_type() == theirs.get_content_type()
    assert ours.is_multipart() == theirs.is_multipart()
    assert ours.as_string() == theirs.as_string()
