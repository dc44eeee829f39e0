"""The kinds materials add to lib/file_kinds, told by content from a stream (a file spooled to
disk) as from bytes."""

from __future__ import annotations

import io
import zipfile

import pytest

from campanella.lib.file_kinds import TEXT_PROBE_BYTES, detect, detect_stream


def archive(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as made:
        for name, content in members:
            made.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.7\n", "pdf"),
        (b"GIF89a\x01\x00", "gif"),
        (archive(("ppt/presentation.xml", b"<p/>")), "pptx"),
        (archive(("mimetype", b"application/vnd.oasis.opendocument.presentation")), "odp"),
        (archive(("esercizi/uno.txt", b"1+1")), "zip"),
        ("Perché è così".encode(), "txt"),
        (b"MZ\x90\x00\x03\x00", None),
        (b"testo\x00binario", None),
        ("caffè".encode("latin-1"), None),  # not UTF-8
        (b"", None),
    ],
)
def test_kinds_by_content(content: bytes, code: str | None) -> None:
    for found in (detect(content), detect_stream(io.BytesIO(content))):
        assert (found.code if found else None) == code


def test_a_long_text_cut_inside_a_character_is_still_text() -> None:
    content = b"a" * (TEXT_PROBE_BYTES - 1) + "è".encode() + b" fine"
    stream = io.BytesIO(content)
    found = detect_stream(stream)
    assert found is not None and found.code == "txt"
    assert stream.tell() == 0  # left at its start, to be stored
