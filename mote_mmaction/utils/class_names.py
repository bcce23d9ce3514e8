# Copyright (c) OpenMMLab. All rights reserved.
"""Class-name files: read, normalise for prompts, describe for logs."""
import csv
import hashlib
import os.path as osp
import re
from typing import List, Sequence, Union

_CAMEL = re.compile(r'(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])')


def normalize_class_name(name: str) -> str:
    """Human-readable prompt text: ``brush_hair`` -> ``brush hair``,
    ``ApplyEyeMakeup`` -> ``Apply Eye Makeup``."""
    name = name.replace('_', ' ').strip()
    name = ' '.join(_CAMEL.sub(' ', w) if not w.isupper() else w
                    for w in name.split())
    return ' '.join(name.split())


def load_class_names(source: Union[str, Sequence[str]],
                     normalize: bool = True) -> List[str]:
    """Class names from a ``.txt`` (line i = label i) or ``id,name`` CSV.

    CSV names are used verbatim (the override format); txt and list names
    are normalised when ``normalize`` is True.
    """
    if not isinstance(source, str):
        names = [str(n) for n in source]
        return [normalize_class_name(n) for n in names] if normalize \
            else names
    if not osp.isfile(source):
        raise FileNotFoundError(f'class-name file not found: {source}')
    if source.endswith('.csv'):
        with open(source, newline='') as f:
            rows = list(csv.reader(f))
        if not rows or [c.strip() for c in rows[0]] != ['id', 'name']:
            raise ValueError(f'{source}: expected header `id,name`')
        by_id = {}
        for i, row in enumerate(rows[1:], 2):
            if len(row) < 2 or not row[1].strip():
                raise ValueError(f'{source} line {i}: bad row {row}')
            try:
                idx = int(row[0])
            except ValueError:
                raise ValueError(f'{source} line {i}: id {row[0]!r} is not '
                                 'an integer') from None
            if idx in by_id:
                raise ValueError(f'{source} line {i}: duplicate id {idx}')
            by_id[idx] = row[1].strip()
        if sorted(by_id) != list(range(len(by_id))):
            raise ValueError(f'{source}: ids must be 0..{len(by_id) - 1}')
        return [by_id[i] for i in range(len(by_id))]
    with open(source) as f:
        names = [line.strip() for line in f.read().rstrip('\n').split('\n')]
    if any(not n for n in names):
        raise ValueError(f'{source}: empty class name')
    return [normalize_class_name(n) for n in names] if normalize else names


def describe_class_names(source: Union[str, Sequence[str]]) -> str:
    """One line for logs: where the names come from, count, digest."""
    names = load_class_names(source)
    digest = hashlib.sha1('\n'.join(names).encode()).hexdigest()[:8]
    where = source if isinstance(source, str) else 'inline list'
    return (f'{where}: {len(names)} classes ({", ".join(names[:3])}'
            f'{", ..." if len(names) > 3 else ""}), sha1 {digest}')
