# Copyright (c) OpenMMLab. All rights reserved.
"""Vocabularies: class-name files of every format, read by one reader.

Zero-shot accuracy depends on the exact class-name strings that fill the
prompt templates, so the names a model used are part of its result. Item
i of a vocabulary holds the phrasings of label i, the class name first
(what logs, predictions and ``metainfo['classes']`` show); a class's text
embedding is the normalised ensemble over templates x phrasings (see
:class:`mote_mmaction.models.CLIPTextEncoder`). Formats:

* ``.txt`` (the documented format, as MMAction2's ``label_map`` files):
  one class per line, line i is label i; trailing blank lines are
  ignored. Names are made readable by :func:`normalize_class_name` unless
  ``normalize=False``. Files with other suffixes are read the same way.
* ``.csv`` with the header ``id,name`` (the MoTE authors' format): names
  verbatim, ids exactly ``0..C-1`` in any order, each once.
* ``.csv`` with the header ``id,name,description``: one row per
  description, several rows per id (all with the same name); a row with an
  empty description only names the class. Example::

      id,name,description
      0,archery,
      1,biking,riding a bicycle
      1,biking,cycling on a road

* ``.json``: a list whose item i describes label i: a string (the name
  alone), a list of strings (the name first, then its other phrasings) or
  ``{"name": str, "descriptions": [str, ...]}``. Example::

      ["archery",
       ["biking", "riding a bicycle", "cycling on a road"],
       {"name": "bowling", "descriptions": ["rolling a ball at pins"]}]

* an inline list in a config: names (normalised) or sequences of phrasings
  (name first, verbatim).

Descriptions and csv/json names are used verbatim (only surrounding
whitespace is removed). Class names must be unique as CLIP's tokenizer
reads them, and a class may not repeat a phrasing (it would weigh double).
Files are read as UTF-8 (a byte-order mark is dropped; another encoding
is named by line, :mod:`mote_mmaction.compat.text_files`). The data tools
(:mod:`mote_mmaction.toolkit.lists`) write these files, datasets and the
MoTE head read them.
"""
import csv
import hashlib
import html
import io
import json
import os
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

from .compat.text_files import read_utf8

Phrasings = Tuple[str, ...]
#: A file, or a list whose items are names or sequences of phrasings.
VocabularySource = Union[str, os.PathLike, Sequence[Union[str,
                                                          Sequence[str]]]]
#: Kept for the readers of plain names.
ClassNameSource = VocabularySource

_INLINE = 'inline class-name list'
_CSV_HEADERS = (['id', 'name'], ['id', 'name', 'description'])

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
    one space. Readable names (``air drumming``) are unchanged.

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


def _check_phrasings(phrasings: Phrasings, where: str) -> None:
    seen: Dict[str, int] = {}
    for j, text in enumerate(phrasings):
        key = tokenizer_key(text)
        if key in seen:
            raise ValueError(f'{where}: phrasing {j} {text!r} repeats '
                             f'phrasing {seen[key]} (it would weigh double)')
        seen[key] = j


def _clean(text, where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f'{where}: expected a non-empty string, got '
                         f'{text!r}')
    return text.strip()


def _csv_header(path: str) -> Optional[List[str]]:
    header = next(csv.reader(io.StringIO(read_utf8(path))), None)
    return None if header is None else [c.strip() for c in header]


def is_descriptor_file(path: str) -> bool:
    """Whether ``path`` may hold several phrasings per class: ``.json``, or
    a ``.csv`` whose header is ``id,name,description``."""
    low = path.lower()
    if low.endswith('.json'):
        return True
    return low.endswith('.csv') and _csv_header(path) == _CSV_HEADERS[1]


def _read_txt(path: str, normalize: bool) -> List[Phrasings]:
    lines = read_utf8(path).splitlines()
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
    if normalize:
        names = [normalize_class_name(n) for n in names]
    _check_unique(names, path, range(1, len(names) + 1))
    return [(n, ) for n in names]


def _read_csv(path: str) -> List[Phrasings]:
    """Both csv formats: ``id,name`` (one row per id) and
    ``id,name,description`` (rows per id add descriptions)."""
    by_id: Dict[int, Tuple[str, int, List[str]]] = {}
    with io.StringIO(read_utf8(path), newline='') as f:
        reader = csv.reader(f)
        header = next(reader, None)
        header = None if header is None else [c.strip() for c in header]
        if header not in _CSV_HEADERS:
            raise ValueError(f'{path} line 1: expected the header `id,name` '
                             f'or `id,name,description`, got {header!r}')
        fields = ','.join(header)
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise ValueError(
                    f'{path} line {line}: expected {len(header)} fields '
                    f'`{fields}`, got {row!r} (quote fields that contain '
                    'commas)')
            try:
                idx = int(row[0].strip())
            except ValueError:
                raise ValueError(f'{path} line {line}: id {row[0]!r} is not '
                                 'an integer') from None
            name = row[1].strip()
            if not name:
                raise ValueError(f'{path} line {line}: empty class name '
                                 f'for id {idx}')
            if idx not in by_id:
                by_id[idx] = (name, line, [])
            elif len(header) == 2:
                raise ValueError(f'{path} line {line}: duplicate id {idx} '
                                 f'(first on line {by_id[idx][1]})')
            first, first_line, descs = by_id[idx]
            if name != first:
                raise ValueError(f'{path} line {line}: id {idx} is named '
                                 f'{name!r} but {first!r} on line '
                                 f'{first_line}')
            if len(header) == 3 and row[2].strip():
                descs.append(row[2].strip())
    if not by_id:
        raise ValueError(f'{path}: no class names in the file')
    num = len(by_id)
    if sorted(by_id) != list(range(num)):
        missing = sorted(set(range(num)) - set(by_id))
        extra = sorted(set(by_id) - set(range(num)))
        raise ValueError(f'{path}: ids must be exactly 0..{num - 1} for '
                         f'{num} classes; missing ids {missing[:10]}, '
                         f'out-of-range ids {extra[:10]}')
    out = []
    for i in range(num):
        name, line, descs = by_id[i]
        phrasings = (name, *descs)
        _check_phrasings(phrasings, f'{path} id {i} (first on line {line})')
        out.append(phrasings)
    _check_unique([p[0] for p in out], path, [by_id[i][1] for i in range(num)])
    return out


def _read_json(path: str) -> List[Phrasings]:
    try:
        items = json.loads(read_utf8(path))
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}: not valid JSON ({e})') from None
    if not isinstance(items, list) or not items:
        raise ValueError(f'{path}: expected a non-empty JSON list (item i '
                         f'describes label i), got {type(items).__name__}')
    out = []
    for i, item in enumerate(items):
        where = f'{path} item {i}'
        if isinstance(item, dict):
            extra = sorted(set(item) - {'name', 'descriptions'})
            if 'name' not in item or extra:
                raise ValueError(f'{where}: expected keys `name` and '
                                 f'optional `descriptions`, got '
                                 f'{sorted(item)}')
            descs = item.get('descriptions', [])
            if not isinstance(descs, list):
                raise ValueError(f'{where}: `descriptions` must be a list of '
                                 f'strings, got {type(descs).__name__}')
            item = [item['name'], *descs]
        elif not isinstance(item, (str, list)):
            raise ValueError(f'{where}: expected a string, a list of strings '
                             'or {"name": ..., "descriptions": [...]}, got '
                             f'{type(item).__name__}')
        out.append(_item_phrasings(item, where, normalize=False))
    _check_unique([p[0] for p in out], path, range(len(out)), unit='item')
    return out


def _item_phrasings(item, where: str, normalize: bool) -> Phrasings:
    """One list item: a name (normalised if asked) or its phrasings."""
    if isinstance(item, str):
        name = _clean(item, where)
        return (normalize_class_name(name) if normalize else item.strip(), )
    if isinstance(item, Sequence) and not isinstance(item, bytes) and item:
        phrasings = tuple(
            _clean(t, f'{where}[{j}]') for j, t in enumerate(item))
        _check_phrasings(phrasings, where)
        return phrasings
    raise ValueError(f'{where}: expected a name or a non-empty list of '
                     f'phrasings, got {item!r}')


def load_class_phrasings(source: VocabularySource,
                         normalize: bool = True) -> List[Phrasings]:
    """Read a vocabulary; item i holds the phrasings of label i.

    Args:
        source (str | PathLike | Sequence): A file of any format in the
            module docstring, or a list whose items are names or sequences
            of phrasings (name first).
        normalize (bool): Apply :func:`normalize_class_name` to ``.txt``
            names and inline names (never to csv or json text). Defaults
            to True.

    Returns:
        list[tuple[str, ...]]: Phrasings per label, the class name first;
        1-tuples for plain class-name files.

    Raises:
        FileNotFoundError: ``source`` is a path that does not exist.
        ValueError: Malformed file or list (the message names the file and
            line or item).
        TypeError: ``source`` is neither a path nor a sequence.
    """
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'class-name file not found: {path}')
        low = path.lower()
        if low.endswith('.json'):
            return _read_json(path)
        if low.endswith('.csv'):
            return _read_csv(path)
        return _read_txt(path, normalize)
    if isinstance(source, bytes) or not isinstance(source, Sequence):
        raise TypeError('a vocabulary must be a file path or a list, got '
                        f'{type(source).__name__}')
    if not source:
        raise ValueError(f'{_INLINE} is empty')
    out = [
        _item_phrasings(item, f'{_INLINE} item {i}', normalize)
        for i, item in enumerate(source)
    ]
    _check_unique([p[0] for p in out], _INLINE, range(len(out)), unit='item')
    return out


def load_class_names(source: VocabularySource,
                     normalize: bool = True) -> List[str]:
    """The class names of a vocabulary (item i names label i).

    See :func:`load_class_phrasings` for ``source`` and ``normalize``.

    Returns:
        list[str]: The class names in label order.
    """
    return [p[0] for p in load_class_phrasings(source, normalize)]


def has_descriptions(vocabulary: Sequence[Phrasings]) -> bool:
    """Whether any class has more than one phrasing."""
    return any(len(p) > 1 for p in vocabulary)


def vocabulary_source(source: VocabularySource) -> str:
    """Where a vocabulary came from, for logs: the file or ``inline
    list``."""
    return os.fspath(source) if isinstance(source, (str, os.PathLike)) \
        else 'inline list'


def describe_class_names(source: VocabularySource,
                         names: Optional[Sequence] = None) -> str:
    """One line for logs that identifies a vocabulary.

    Args:
        source (str | PathLike | Sequence): As for
            :func:`load_class_phrasings`.
        names (Sequence, optional): What was already loaded from
            ``source``: names, or phrasings per class (not read again).
            Defaults to loading them.

    Returns:
        str: E.g. ``data/ucf101/ucf101_class_names.txt: 101 classes
        ['Apply Eye Makeup', 'Apply Lipstick', 'Archery', ...]
        sha1 0123abcd`` (+ ``N descriptions`` for descriptor vocabularies);
        the digest is over the names (as the model uses them) joined by
        newlines.
    """
    vocab = load_class_phrasings(source) if names is None else [
        (n, ) if isinstance(n, str) else tuple(n) for n in names
    ]
    names = [p[0] for p in vocab]
    digest = hashlib.sha1('\n'.join(names).encode('utf-8')).hexdigest()[:10]
    head = ', '.join(repr(n) for n in names[:3])
    more = ', ...' if len(names) > 3 else ''
    extra = sum(len(p) - 1 for p in vocab)
    return (f'{vocabulary_source(source)}: {len(names)} classes '
            f'[{head}{more}] sha1 {digest}' +
            (f' + {extra} descriptions' if extra else ''))
