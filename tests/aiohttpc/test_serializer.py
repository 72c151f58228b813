"""The request serializer: the bytes a request head becomes, and what it refuses."""

from __future__ import annotations

import array

import pytest

from aiohttpc._sansio import serializer
from aiohttpc.errors import InvalidURL


def test_request_line():
    assert serializer.request_line("GET", "/a?b=c") == b"GET /a?b=c HTTP/1.1"
    assert serializer.request_line("OPTIONS", "") == b"OPTIONS / HTTP/1.1"
    assert serializer.request_line("GET", "/", "HTTP/1.0") == b"GET / HTTP/1.0"


@pytest.mark.parametrize(
    ("method", "url", "exc", "text"),
    [
        ("GET\r\nX: y", "/", ValueError, "method can't contain control characters"),
        ("G ET", "/", ValueError, "method can't contain control characters"),
        ("GET", "/a b", InvalidURL, "URL can't contain control characters"),
        ("GET", "/\x00", InvalidURL, "URL can't contain control characters"),
        ("GET", "/\x7f", InvalidURL, "URL can't contain control characters"),
    ],
)
def test_request_line_refuses_what_could_split_it(method, url, exc, text):
    with pytest.raises(exc, match=text):
        serializer.request_line(method, url)


def test_header_lines():
    assert serializer.header_line("X-A", "v") == b"X-A: v"
    assert serializer.header_line(b"X-B", b"v", 3) == b"X-B: v\r\n\t3"  # folded, as the stdlib
    assert serializer.header_line("X", "caf\xe9") == b"X: caf\xe9"
    assert serializer.header_line("X", bytearray(b"ab")) == b"X: ab"
    assert serializer.header_line("X", "a\tb") == b"X: a\tb"
    assert serializer.header_line("X", "v") is serializer.header_line("X", "v")  # kept


@pytest.mark.parametrize("name", ["", "X Y", "X:Y", "X\r\nY", "X\x00", "X\x7f"])
def test_header_names_must_be_tokens(name):
    with pytest.raises(ValueError):
        serializer.header_line(name, "v")


@pytest.mark.parametrize("value", ["a\r\nb", "a\nb", "a\rb", "a\x00b", "a\x7fb", "a\r\n b"])
def test_header_values_never_carry_a_line_break_or_control(value):
    with pytest.raises(ValueError):
        serializer.header_line("X", value)


@pytest.mark.parametrize("value", [[65, 66], (b"a",), object(), 1.5, None])
def test_header_values_of_other_types(value):
    with pytest.raises(TypeError):
        serializer.header_line("X", value)


def test_host_values():
    assert serializer.host_value("", "example.org", 80, 80) == b"example.org"
    assert serializer.host_value("", "example.org", 8080, 80) == b"example.org:8080"
    assert serializer.host_value("", "::1", 8080, 80) == b"[::1]:8080"
    assert serializer.host_value("", "fe80::1%eth0", 80, 80) == b"[fe80::1]"
    assert serializer.host_value("", "b\xfccher.example", 80, 80) == b"xn--bcher-kva.example"
    assert serializer.host_value("http://other:81/x", "example.org", 80, 80) == b"other:81"


def test_chunk_framing_counts_bytes():
    assert b"".join(serializer.chunk(b"hello")) == b"5\r\nhello\r\n"
    ints = memoryview(array.array("i", [1, 2, 3]))
    size, data, end = serializer.chunk(ints)
    assert size == b"%X\r\n" % (3 * ints.itemsize) and data is ints and end == b"\r\n"
    assert serializer.LAST_CHUNK == b"0\r\n\r\n"


def test_join_head():
    assert serializer.join_head([b"GET / HTTP/1.1", b"Host: h"]) == (
        b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
    )
