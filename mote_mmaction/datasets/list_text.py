# Copyright (c) OpenMMLab. All rights reserved.
"""Reading annotation lists as text, and the checks every list gets.

MMEngine's ``list_from_file`` decodes as plain UTF-8: a byte-order mark
(Windows editors write one) stays in front of line 1's path, which then
names no video; a list in another encoding ends in a bare
``UnicodeDecodeError`` without the file or the line. :func:`read_text_lines`
strips the mark and names both. :func:`check_duplicates` finds a video
listed twice (scored twice, or under two labels), which no reader noticed.
"""
import os.path as osp
from typing import Dict, Iterable, List, Optional, Tuple

from mmengine.fileio import get

from ..compat.text_files import TextEncodingError, decode_utf8

#: A list that is not UTF-8 (the error names the line).
ListEncodingError = TextEncodingError


class DuplicateVideoError(ValueError):
    """A list names the same video on two lines."""


def decode_list(data: bytes, path: str) -> List[str]:
    """The lines of a list's bytes (see
    :func:`~mote_mmaction.compat.text_files.decode_utf8`), without their
    line ends."""
    text = decode_utf8(data, path)
    # lines end at '\n' only, as MMEngine's list_from_file splits them
    lines = [line.rstrip('\r') for line in text.split('\n')]
    return lines[:-1] if lines and not lines[-1] else lines


def read_text_lines(path: str,
                    backend_args: Optional[dict] = None) -> List[str]:
    """The lines of a list through MMEngine's file backends (local or
    remote), byte-order mark stripped, non-UTF-8 named by line.

    Args:
        path (str): The list.
        backend_args (dict, optional): MMEngine file backend arguments.

    Returns:
        list[str]: The lines without their line ends.
    """
    return decode_list(get(path, backend_args=backend_args), path)


def check_duplicates(entries: Iterable[Tuple[int, str, object]],
                     path: str,
                     allow: bool = False,
                     what: str = 'allow_duplicates=True') -> None:
    """Stop when a list names one video on two lines.

    A video listed twice is scored twice (an accuracy over more entries
    than videos) or, under two labels, is both right and wrong; in
    training it is drawn twice as often. Intentional repeats are allowed
    with ``allow``.

    Args:
        entries (Iterable[tuple[int, str, Any]]): ``(line number, video
            path, label)`` in file order; paths are compared normalised.
        path (str): The list, for the error.
        allow (bool): Repeats are intended. Defaults to False.
        what (str): The opt-in named in the error.

    Raises:
        DuplicateVideoError: Naming both lines, the video and both labels.
    """
    if allow:
        return
    seen: Dict[str, Tuple[int, object]] = {}
    for lineno, video, label in entries:
        key = osp.normpath(video)
        if key in seen:
            first, first_label = seen[key]
            labels = (f'both with label {label}' if first_label == label else
                      f'with labels {first_label} and {label}')
            raise DuplicateVideoError(
                f'{path}: lines {first} and {lineno} list the same video '
                f'{video} ({labels}); remove one line, or set {what} if '
                'the repeat is intended.')
        seen[key] = (lineno, label)
