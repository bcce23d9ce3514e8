# Copyright (c) OpenMMLab. All rights reserved.
"""Descriptor vocabularies: several phrasings or descriptions per class.

A class's text embedding is then the normalised ensemble over templates x
phrasings: ``y_c = normalize(mean_{k,j} normalize(g(template_k(p_cj))))``
(see :class:`mote_mmaction.models.CLIPTextEncoder`). The first phrasing of
a class is its name (what logs, predictions and
``metainfo['classes']`` show); the others are rephrasings or attribute
descriptions. Every phrasing fills every template, so descriptions should
read well after "a video of ..." (e.g. "riding a bicycle on a road").

Two file formats hold descriptions; text is used verbatim (only
surrounding whitespace is removed):

* ``.json``: a list whose item i describes label i and is one of

  - a string: the class name alone;
  - a list of strings: the name first, then its other phrasings;
  - an object ``{"name": str, "descriptions": [str, ...]}``.

  Example::

      ["archery",
       ["biking", "riding a bicycle", "cycling on a road"],
       {"name": "bowling", "descriptions": ["rolling a ball at pins"]}]

* ``.csv`` with the header ``id,name,description``: one row per
  description, several rows per id (all with the same name); a row with an
  empty description only names the class. Ids must be exactly ``0..C-1``.
  Example::

      id,name,description
      0,archery,
      1,biking,riding a bicycle
      1,biking,cycling on a road

Plain class-name files (``.txt``, ``id,name`` ``.csv``) and lists of names
give one phrasing per class, exactly the names of
:func:`~mote_mmaction.utils.class_names.load_class_names`, and the same
class tables as before. Class names must be unique (as the tokenizer reads
them) and a class may not repeat a phrasing (it would weigh double).

Standard library only, like :mod:`.class_names`.
"""
import csv
import json
import os
from typing import Dict, List, Sequence, Tuple, Union

from .class_names import (_check_dense_ids, _check_unique,
                          is_descriptor_file, load_class_names,
                          normalize_class_name, tokenizer_key)

Phrasings = Tuple[str, ...]
#: A file, or a list whose items are names or sequences of phrasings.
VocabularySource = Union[str, os.PathLike, Sequence[Union[str,
                                                          Sequence[str]]]]


def _clean(text, where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f'{where}: expected a non-empty string, got '
                         f'{text!r}')
    return text.strip()


def _check_phrasings(phrasings: Phrasings, where: str) -> None:
    seen: Dict[str, int] = {}
    for j, text in enumerate(phrasings):
        key = tokenizer_key(text)
        if key in seen:
            raise ValueError(f'{where}: phrasing {j} {text!r} repeats '
                             f'phrasing {seen[key]} (it would weigh double)')
        seen[key] = j


def _read_json(path: str) -> List[Phrasings]:
    with open(path, encoding='utf-8-sig') as f:
        try:
            items = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: not valid JSON ({e})') from None
    if not isinstance(items, list) or not items:
        raise ValueError(f'{path}: expected a non-empty JSON list (item i '
                         f'describes label i), got {type(items).__name__}')
    out = []
    for i, item in enumerate(items):
        where = f'{path} item {i}'
        if isinstance(item, str):
            phr = (_clean(item, where), )
        elif isinstance(item, list):
            if not item:
                raise ValueError(f'{where}: empty list (the name comes '
                                 'first)')
            phr = tuple(_clean(t, f'{where}[{j}]') for j, t in enumerate(item))
        elif isinstance(item, dict):
            extra = sorted(set(item) - {'name', 'descriptions'})
            if 'name' not in item or extra:
                raise ValueError(f'{where}: expected keys `name` and '
                                 f'optional `descriptions`, got '
                                 f'{sorted(item)}')
            descs = item.get('descriptions', [])
            if not isinstance(descs, list):
                raise ValueError(f'{where}: `descriptions` must be a list of '
                                 f'strings, got {type(descs).__name__}')
            phr = (_clean(item['name'], f'{where} name'), ) + tuple(
                _clean(t, f'{where} descriptions[{j}]')
                for j, t in enumerate(descs))
        else:
            raise ValueError(f'{where}: expected a string, a list of strings '
                             'or {"name": ..., "descriptions": [...]}, got '
                             f'{type(item).__name__}')
        _check_phrasings(phr, where)
        out.append(phr)
    _check_unique([p[0] for p in out], path, range(len(out)), unit='item')
    return out


def _read_csv(path: str) -> List[Phrasings]:
    by_id: Dict[int, Tuple[str, int, List[str]]] = {}
    with open(path, encoding='utf-8-sig', newline='') as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or [c.strip() for c in header] != \
                ['id', 'name', 'description']:
            raise ValueError(f'{path} line 1: expected the header '
                             f'`id,name,description`, got {header!r}')
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != 3:
                raise ValueError(f'{path} line {line}: expected 3 fields '
                                 f'`id,name,description`, got {row!r} (quote '
                                 'fields that contain commas)')
            try:
                idx = int(row[0].strip())
            except ValueError:
                raise ValueError(f'{path} line {line}: id {row[0]!r} is not '
                                 'an integer') from None
            name = _clean(row[1], f'{path} line {line} name')
            desc = row[2].strip()
            if idx not in by_id:
                by_id[idx] = (name, line, [])
            first, first_line, descs = by_id[idx]
            if name != first:
                raise ValueError(f'{path} line {line}: id {idx} is named '
                                 f'{name!r} but {first!r} on line '
                                 f'{first_line}')
            if desc:
                descs.append(desc)
    num = _check_dense_ids(by_id, path, 'classes', 'classes')
    out = []
    for i in range(num):
        name, line, descs = by_id[i]
        phr = (name, *descs)
        _check_phrasings(phr, f'{path} id {i} (first on line {line})')
        out.append(phr)
    _check_unique([p[0] for p in out], path, [by_id[i][1] for i in range(num)])
    return out


def load_class_phrasings(source: VocabularySource,
                         normalize: bool = True) -> List[Phrasings]:
    """Read a vocabulary; item i holds the phrasings of label i.

    Args:
        source (str | PathLike | Sequence): A descriptor file (``.json`` or
            an ``id,name,description`` ``.csv``, see the module docstring),
            a plain class-name file (see
            :func:`~mote_mmaction.utils.class_names.load_class_names`), or
            a list whose items are names (normalised as that function does)
            or sequences of phrasings (name first, verbatim).
        normalize (bool): Passed to ``load_class_names`` for plain files and
            name items. Defaults to True.

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
        if not is_descriptor_file(path):
            return [(n, ) for n in load_class_names(path, normalize)]
        if path.lower().endswith('.json'):
            return _read_json(path)
        return _read_csv(path)
    if isinstance(source, bytes) or not isinstance(source, Sequence):
        raise TypeError('a vocabulary must be a file path or a list, got '
                        f'{type(source).__name__}')
    if not source:
        raise ValueError('inline class-name list is empty')
    out = []
    for i, item in enumerate(source):
        where = f'inline class-name list item {i}'
        if isinstance(item, str):
            name = _clean(item, where)
            out.append((normalize_class_name(name) if normalize else item, ))
        elif isinstance(item, Sequence) and not isinstance(item, bytes) \
                and len(item) > 0:
            phr = tuple(_clean(t, f'{where}[{j}]') for j, t in enumerate(item))
            _check_phrasings(phr, where)
            out.append(phr)
        else:
            raise ValueError(f'{where}: expected a name or a non-empty list '
                             f'of phrasings, got {item!r}')
    _check_unique([p[0] for p in out], 'inline class-name list',
                  range(len(out)), unit='item')
    return out


def has_descriptions(vocabulary: Sequence[Phrasings]) -> bool:
    """Whether any class has more than one phrasing."""
    return any(len(p) > 1 for p in vocabulary)
