# Copyright (c) OpenMMLab. All rights reserved.
"""Text files (annotation lists, class names) read as UTF-8 with errors
that name the line.

MMEngine's ``list_from_file`` and Python's ``open`` decode as plain UTF-8:
a byte-order mark (Windows editors write one) stays in front of line 1,
and a file in another encoding ends in a bare ``UnicodeDecodeError``
without the file or the line.
"""
_BOM = b'\xef\xbb\xbf'


class TextEncodingError(ValueError):
    """A text file is not UTF-8."""


def decode_utf8(data: bytes, path: str) -> str:
    """``data`` decoded as UTF-8 without a leading byte-order mark.

    Args:
        data (bytes): The file's content.
        path (str): Its name, for the error.

    Raises:
        TextEncodingError: Not UTF-8; the message names the file, the line
            and the byte, and how to convert the file.
    """
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode('utf-8')
    except UnicodeDecodeError as e:
        at = skip + e.start
        lineno = data.count(b'\n', 0, at) + 1
        raise TextEncodingError(
            f'{path} line {lineno} is not UTF-8 (byte '
            f'{data[at:at + 1]!r} at offset {at}); save the file as UTF-8, '
            'e.g. `iconv -f latin1 -t utf-8 OLD > NEW` for a Latin-1 '
            'file.') from None


def read_utf8(path: str) -> str:
    """A local text file's content (see :func:`decode_utf8`)."""
    with open(path, 'rb') as f:
        return decode_utf8(f.read(), path)
