# Copyright (c) OpenMMLab. All rights reserved.
"""Class-name lists: read them, make them readable prompt text, and
describe them for logs.

Zero-shot accuracy depends on the exact class-name strings that fill the
prompt templates, so the names a model used are part of its result. Two
file formats are read:

* ``.txt`` (the documented format, as MMAction2's ``label_map`` files):
  one class per line, line i is label i. Trailing blank lines are
  ignored. Names are made readable by :func:`normalize_class_name` unless
  ``normalize=False``.
* ``.csv`` with the header ``id,name`` (the MoTE authors' format): the
  override format. Names are used verbatim (only surrounding whitespace is
  removed) and ids must be exactly ``0..C-1`` in any order.

Descriptor vocabularies (``.json``, ``id,name,description`` ``.csv``: several
phrasings per class, see :mod:`.class_descriptions`) are read too; their
names are returned here.

The data preparation scripts (``tools/data``, through
:mod:`mote_mmaction.datasets.lists`) write the files read here.
"""
import csv
import hashlib
import html
import os
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

ClassNameSource = Union[str, os.PathLike, Sequence[str]]

# Word boundaries inside a CamelCase token: lower/digit -> upper
# (``ApplyEye`` -> ``Apply Eye``, ``YoYo`` -> ``Yo Yo``) and the end of a
# run of capitals before a capitalised word (``TVShow`` -> ``TV Show``).
_CAMEL_BOUNDARY = re.compile(
    r'(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])')


def normalize_class_name(name: str) -> str:
    """Make a class name readable prompt text.

    Underscores become spaces (``brush_hair`` -> ``brush hair``), CamelCase
    words are split (``ApplyEyeMakeup`` -> ``Apply Eye Makeup``,
    ``YoYo`` -> ``Yo Yo``; all-capital words such as ``TV`` are kept),
    surrounding whitespace is removed and inner runs of whitespace become
    one space. Names that are already readable (``air drumming``,
    ``passing American football (in game)``) are unchanged.

    Args:
        name (str): A class name, e.g. a dataset's directory name.

    Returns:
        str: The readable name.
    """
    words = name.replace('_', ' ').split()
    words = [w if w.isupper() else _CAMEL_BOUNDARY.sub(' ', w) for w in words]
    return ' '.join(' '.join(words).split())


def tokenizer_key(name: str) -> str:
    """A class name as CLIP's tokenizer sees it: HTML entities decoded,
    lower case, whitespace runs as one space (open_clip's ``basic_clean``
    and ``whitespace_clean``). Names with the same key get the same text
    embedding."""
    return ' '.join(html.unescape(name).lower().split())


def _check_unique(names: Sequence[str],
                  where: str,
                  positions: Sequence[int],
                  unit: str = 'line') -> None:
    """Raise ``ValueError`` on the first name the tokenizer cannot tell
    from an earlier one."""
    seen: Dict[str, Tuple[str, int]] = {}
    for name, pos in zip(names, positions):
        key = tokenizer_key(name)
        if key in seen:
            first, at = seen[key]
            same = '' if first == name else (
                f' {first!r}, which the tokenizer reads the same (case, '
                'whitespace)')
            raise ValueError(f'{where} {unit} {pos}: duplicate class name '
                             f'{name!r} (first at {unit} {at}{same}); two '
                             'labels would get identical text embeddings')
        seen[key] = (name, pos)


def _check_dense_ids(ids, path: str, what: str, unit: str) -> int:
    """The number of classes when ``ids`` are exactly ``0..n-1``; else a
    ``ValueError`` naming the missing and out-of-range ids (``what``: what
    the file holds, ``unit``: what ``n`` counts)."""
    if not ids:
        raise ValueError(f'{path}: no {what} in the file')
    num = len(ids)
    if sorted(ids) != list(range(num)):
        missing = sorted(set(range(num)) - set(ids))
        extra = sorted(set(ids) - set(range(num)))
        raise ValueError(f'{path}: ids must be exactly 0..{num - 1} for '
                         f'{num} {unit}; missing ids {missing[:10]}, '
                         f'out-of-range ids {extra[:10]}')
    return num


def _read_txt(path: str) -> Tuple[List[str], List[int]]:
    """Names and their line numbers from a one-name-per-line file."""
    with open(path, encoding='utf-8-sig') as f:
        lines = f.read().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ValueError(f'{path}: no class names in the file')
    names = [line.strip() for line in lines]
    for i, name in enumerate(names, 1):
        if not name:
            raise ValueError(
                f'{path} line {i}: empty class name (line i is label i, so '
                'only trailing blank lines are allowed)')
    return names, list(range(1, len(names) + 1))


def _read_csv(path: str) -> Tuple[List[str], List[int]]:
    """Names (sorted by id) and their line numbers from an ``id,name``
    csv."""
    with open(path, encoding='utf-8-sig', newline='') as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or [c.strip() for c in header] != ['id', 'name']:
            raise ValueError(f'{path} line 1: expected the header `id,name`, '
                             f'got {header!r}')
        by_id: Dict[int, Tuple[str, int]] = {}
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != 2:
                raise ValueError(f'{path} line {line}: expected 2 fields '
                                 f'`id,name`, got {row!r}')
            try:
                idx = int(row[0].strip())
            except ValueError:
                raise ValueError(f'{path} line {line}: id {row[0]!r} is not '
                                 'an integer') from None
            name = row[1].strip()
            if not name:
                raise ValueError(f'{path} line {line}: empty class name '
                                 f'for id {idx}')
            if idx in by_id:
                raise ValueError(f'{path} line {line}: duplicate id {idx} '
                                 f'(first on line {by_id[idx][1]})')
            by_id[idx] = (name, line)
    num = _check_dense_ids(by_id, path, 'class names', 'rows')
    rows = [by_id[i] for i in range(num)]
    return [name for name, _ in rows], [line for _, line in rows]


def is_descriptor_file(path: str) -> bool:
    """Whether ``path`` is a descriptor vocabulary: ``.json``, or a
    ``.csv`` whose header is ``id,name,description``."""
    low = path.lower()
    if low.endswith('.json'):
        return True
    if not low.endswith('.csv'):
        return False
    with open(path, encoding='utf-8-sig', newline='') as f:
        header = next(csv.reader(f), None)
    return header is not None and \
        [c.strip() for c in header] == ['id', 'name', 'description']


def load_class_names(source: ClassNameSource,
                     normalize: bool = True) -> List[str]:
    """Read a class-name list; item i is the name of label i.

    Args:
        source (str | PathLike | Sequence[str]): A ``.txt`` file (one name
            per line, line i is label i; trailing blank lines are ignored),
            an ``id,name`` ``.csv`` (the override format: names verbatim,
            ids exactly ``0..C-1`` in any order), a descriptor vocabulary
            (``.json`` or ``id,name,description`` ``.csv``; its names,
            verbatim) or a list/tuple of names. Files with other suffixes
            are read as ``.txt``.
        normalize (bool): Apply :func:`normalize_class_name` to ``.txt``
            and list names. Never applied to ``.csv`` names. Defaults to
            True.

    Returns:
        list[str]: The class names in label order.

    Raises:
        FileNotFoundError: ``source`` is a path that does not exist.
        ValueError: Bad header, empty names, duplicate or missing ids,
            duplicate names (the message names the file and line).
        TypeError: ``source`` is neither a path nor a sequence of str.
    """
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'class-name file not found: {path}')
        if is_descriptor_file(path):
            # lazily: it imports this module
            from .class_descriptions import load_class_phrasings
            return [p[0] for p in load_class_phrasings(path)]
        if path.lower().endswith('.csv'):
            names, lines = _read_csv(path)
        else:
            names, lines = _read_txt(path)
            if normalize:
                names = [normalize_class_name(n) for n in names]
        _check_unique(names, path, lines)
        return names
    if isinstance(source, bytes) or not isinstance(source, Sequence):
        raise TypeError('class names must be a file path or a list of str, '
                        f'got {type(source).__name__}')
    names = []
    for i, name in enumerate(source):
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f'inline class-name list item {i}: expected a '
                             f'non-empty str, got {name!r}')
        names.append(normalize_class_name(name) if normalize else name)
    if not names:
        raise ValueError('inline class-name list is empty')
    _check_unique(
        names, 'inline class-name list', range(len(names)), unit='item')
    return names


def describe_class_names(source: ClassNameSource,
                         names: Optional[Sequence[str]] = None) -> str:
    """One line for logs that identifies a class-name list.

    Args:
        source (str | PathLike | Sequence[str]): As for
            :func:`load_class_names`.
        names (Sequence[str], optional): The names already loaded from
            ``source`` (not read again). Defaults to loading them.

    Returns:
        str: E.g. ``data/ucf101/ucf101_class_names.txt: 101 classes
        ['Apply Eye Makeup', 'Apply Lipstick', 'Archery', ...]
        sha1 0123abcd``; the digest is over the names (normalised, as the
        model uses them) joined by newlines.
    """
    names = load_class_names(source) if names is None else list(names)
    digest = hashlib.sha1('\n'.join(names).encode('utf-8')).hexdigest()[:10]
    where = os.fspath(source) if isinstance(source, (str, os.PathLike)) \
        else 'inline list'
    head = ', '.join(repr(n) for n in names[:3])
    more = ', ...' if len(names) > 3 else ''
    return (f'{where}: {len(names)} classes [{head}{more}] sha1 {digest}')
