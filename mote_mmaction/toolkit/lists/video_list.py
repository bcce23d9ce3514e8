# Copyright (c) OpenMMLab. All rights reserved.
"""``VideoDataset`` lists (``relative/path.ext label`` per line) and
class-name files (line i is label i): read and written.

Lists and names are written atomically (a crash never leaves half a list
that a training run would then read).
"""
import csv
import io
import os.path as osp
from typing import Iterable, List, Sequence, Tuple

from ...compat.atomic_io import atomic_write_text
from ...datasets.list_text import check_duplicates, read_text_lines

#: ``(relative video path, 0-based label)``.
Entry = Tuple[str, int]


def read_lines(path: str) -> List[Tuple[int, str]]:
    """Non-blank lines of a text file with their 1-based numbers.

    Surrounding whitespace (also the ``\\r`` of the official Windows line
    ends) and a byte-order mark are removed; a file that is not UTF-8
    stops with ``ListEncodingError`` naming the line.

    Args:
        path (str): The file.

    Returns:
        list[tuple[int, str]]: ``(line number, text)``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    return [(i, line.strip())
            for i, line in enumerate(read_text_lines(path), 1)
            if line.strip()]


def read_list(path: str, allow_duplicates: bool = False) -> List[Entry]:
    """Entries of a ``VideoDataset`` list (``path label`` per line).

    Args:
        path (str): The list, e.g. ``ucf101_train_split_1_videos.txt``.
        allow_duplicates (bool): A video may be on several lines.
            Defaults to False.

    Returns:
        list[tuple[str, int]]: ``(relative path, label)`` in file order.

    Raises:
        ValueError: A line that is not ``path label`` with a path without
            whitespace (``VideoDataset`` splits on it) and a decimal label
            (file and line named).
        DuplicateVideoError: A video on two lines (both named).
    """
    entries, linenos = [], []
    for i, line in read_lines(path):
        parts = line.split()
        if len(parts) != 2 or not (parts[1].isascii()
                                   and parts[1].isdigit()):
            raise ValueError(f'{path} line {i}: expected `path label` (a '
                             'path without spaces and an integer label), '
                             f'got {line!r}')
        entries.append((parts[0], int(parts[1])))
        linenos.append(i)
    check_duplicates(((n, p, label)
                      for n, (p, label) in zip(linenos, entries)), path,
                     allow_duplicates, 'allow_duplicates=True')
    if not entries:
        raise ValueError(f'{path}: no videos')
    return entries


def write_list(path: str, entries: Iterable[Entry]) -> int:
    """Write a ``VideoDataset`` list (``path label`` lines) atomically.

    Args:
        path (str): Output file; its directory is created.
        entries (Iterable[tuple[str, int]]): ``(relative path, label)``.

    Returns:
        int: The number of lines written.

    Raises:
        ValueError: A path with whitespace, which ``VideoDataset`` would
            split into extra fields; nothing is written.
    """
    entries = list(entries)
    spaced = [p for p, _ in entries if len(p.split()) != 1]
    if spaced:
        raise ValueError(f'{path}: video paths must not contain whitespace '
                         f'(VideoDataset lists split on it): {spaced[:3]}')
    atomic_write_text(path, ''.join(f'{p} {label}\n' for p, label in entries))
    return len(entries)


def write_names(path: str, names: Sequence[str]) -> None:
    """Write a class-name file atomically: one name per line, line i is
    label i.

    Args:
        path (str): Output file; its directory is created.
        names (Sequence[str]): Names in label order.
    """
    atomic_write_text(path, ''.join(f'{n}\n' for n in names))


def write_names_csv(path: str, names: Sequence[str]) -> None:
    """Write an ``id,name`` class-name file (names used verbatim)
    atomically.

    Args:
        path (str): Output file; its directory is created.
        names (Sequence[str]): Names in label order.
    """
    text = io.StringIO()
    writer = csv.writer(text, lineterminator='\n')
    writer.writerow(['id', 'name'])
    writer.writerows(enumerate(names))
    atomic_write_text(path, text.getvalue())
