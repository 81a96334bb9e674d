"""multipart/form-data parsed in a worker thread, from a body already read under the size limit.

Starlette's own form parser runs on the event loop while the body streams in; OpenAI's edit requests carry several
images, so the parse (and the copy of every part) would stall other requests. Here the bytes are parsed in one
go by python-multipart's push parser, with bounds on the number of parts and headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header

from ..errors import InputError


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[Part] = field(default_factory=list)


def parse_form(body: bytes, content_type: str, *, max_parts: int = 64) -> Form:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise InputError("body", "must be multipart/form-data (with a boundary), as OpenAI's images API expects")
    parts: list[Part] = []
    headers: dict[bytes, bytes] = {}
    chunks: list[bytes] = []
    header_name: list[bytes] = []
    header_value: list[bytes] = []

    def on_part_begin() -> None:
        if len(parts) >= max_parts:
            raise InputError("body", f"has more than {max_parts} parts")
        headers.clear()
        chunks.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_name.append(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.append(data[start:end])

    def on_header_end() -> None:
        headers[b"".join(header_name).lower()] = b"".join(header_value)
        header_name.clear()
        header_value.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunks.append(data[start:end])

    def on_part_end() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        ctype = headers.get(b"content-type", b"").decode("latin-1")
        parts.append(
            Part(name, filename.decode("utf-8", "replace") if filename is not None else None, ctype, b"".join(chunks))
        )

    parser = MultipartParser(
        options[b"boundary"],
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except InputError:
        raise
    except Exception as exc:  # the parser's own errors: a malformed body is the caller's mistake
        raise InputError("body", f"is not valid multipart/form-data ({type(exc).__name__})") from exc
    form = Form()
    for part in parts:
        if part.filename is not None:
            form.files.append(part)
        else:
            form.fields[part.name] = part.data.decode("utf-8", "replace")
    return form
