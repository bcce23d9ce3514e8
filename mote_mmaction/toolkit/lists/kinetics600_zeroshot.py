# Copyright (c) OpenMMLab. All rights reserved.
"""Kinetics-600 zero-shot splits (ER-ZASR protocol): 160 of the 220
K600 classes that are not K400 classes, per split."""
import json
import os.path as osp
import random
import re
from typing import Dict, List, Sequence


def name_key(name: str) -> str:
    """Spelling-independent key of a class name: case, ``_`` versus space
    and parentheses are ignored (``backflip_(human)``, ``Backflip human``
    and ``backflip (human)`` share a key)."""
    return ' '.join(re.sub(r'[_()]', ' ', name).lower().split())


def resolve_names(names: Sequence[str], known: Sequence[str],
                  source: str) -> List[str]:
    """Map names to the spelling of ``known`` (see :func:`name_key`).

    Args:
        names (Sequence[str]): E.g. the names of a split file, possibly
            written as directory names (``backflip_(human)``).
        known (Sequence[str]): The official label names.
        source (str): Where ``names`` come from, for the error.

    Returns:
        list[str]: ``names`` spelled as in ``known``.

    Raises:
        ValueError: Names that are not in ``known``.
    """
    by_key = {name_key(k): k for k in known}
    unknown = [n for n in names if name_key(n) not in by_key]
    if unknown:
        raise ValueError(f'{source}: {len(unknown)} class name(s) not in the '
                         f'K600 annotations: {unknown[:10]}')
    return [by_key[name_key(n)] for n in names]


# K400 classes that Kinetics-600 renamed. With these, K600 minus K400 is
# the 220 novel classes of the ER-ZASR protocol (600 = 368 kept + 12
# renamed + 220 novel; 20 K400 classes were dropped). Checked against
# ER-ZASR's classes620_label_defn.json (400 K400 + 220 novel names).
K400_RENAMED_IN_K600 = {
    'baby waking up': 'waking up',
    'balloon blowing': 'inflating balloons',
    'changing wheel': 'changing wheel (not on bike)',
    'cooking sausages': 'cooking sausages (not on barbeque)',
    'dying hair': 'dyeing hair',
    'garbage collecting': 'person collecting garbage',
    'hugging': 'hugging (not baby)',
    'making bed': 'making the bed',
    'opening bottle': 'opening bottle (not wine)',
    'passing American football (not in game)':
    'passing american football (not in game)',
    'throwing ball': 'throwing ball (not baseball or American football)',
    'tying tie': 'tying necktie',
}


def _k400_keys(k400: Sequence[str]) -> Dict[str, str]:
    """Keys of the K400 classes and of their K600 names -> K400 name."""
    keys = {name_key(n): n for n in k400}
    for old, new in K400_RENAMED_IN_K600.items():
        if name_key(old) in keys:
            keys[name_key(new)] = old
    return keys


def k600_zeroshot_split(names: Sequence[str],
                        k600: Sequence[str],
                        k400: Sequence[str],
                        source: str,
                        size: int = 160) -> List[str]:
    """Check one ER-ZASR split: ``size`` distinct K600 classes, none of
    them a K400 class (also under its K600 name, see
    :data:`K400_RENAMED_IN_K600`).

    Args:
        names (Sequence[str]): The split's class names (any spelling
            accepted by :func:`name_key`).
        k600 (Sequence[str]): The K600 labels (of ``test.csv``).
        k400 (Sequence[str]): The K400 class names.
        source (str): The split file, for the errors.
        size (int): Classes per split. Defaults to 160.

    Returns:
        list[str]: The names spelled as the K600 labels, in the split's
        order (label i = name i).
    """
    names = resolve_names(names, k600, source)
    k400_keys = _k400_keys(k400)
    in_k400 = [
        n if k400_keys[name_key(n)] == n else
        f'{n} (K400: {k400_keys[name_key(n)]})' for n in names
        if name_key(n) in k400_keys
    ]
    if in_k400:
        raise ValueError(f'{source}: {len(in_k400)} class(es) are K400 '
                         f'classes, not zero-shot ones: {in_k400[:10]}')
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f'{source}: duplicate classes {dup[:10]}')
    if len(names) != size:
        raise ValueError(f'{source}: a zero-shot split has {size} classes, '
                         f'this file has {len(names)}')
    return names


def novel_classes(k600: Sequence[str], k400: Sequence[str]) -> List[str]:
    """Sorted K600 classes that are not K400 classes, renamed ones
    included (220 for the real lists)."""
    k400_keys = _k400_keys(k400)
    return sorted(n for n in k600 if name_key(n) not in k400_keys)


def er_zasr_splits(er_dir: str) -> List[List[str]]:
    """The test splits of the ER-ZASR release.

    Args:
        er_dir (str): Its ``datasets/Kinetics/zsl220`` directory, with
            ``classes620_label_defn.json`` (400 K400 + 220 novel classes,
            ``{"word": name, ...}`` items) and ``tst_class_idxs.json``
            (one list of indices into those per split).

    Returns:
        list[list[str]]: Class names of each split, in index order.
    """
    paths = [
        osp.join(er_dir, f)
        for f in ('classes620_label_defn.json', 'tst_class_idxs.json')
    ]
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(f'ER-ZASR file not found: {path}')
    with open(paths[0], encoding='utf-8') as f:
        words = [item['word'] for item in json.load(f)]
    with open(paths[1], encoding='utf-8') as f:
        splits = json.load(f)
    out = []
    for k, idxs in enumerate(splits, 1):
        bad = [i for i in idxs if not 0 <= i < len(words)]
        if bad:
            raise ValueError(f'{paths[1]}: split {k} has indices outside '
                             f'0..{len(words) - 1}: {bad[:10]}')
        out.append([words[i] for i in idxs])
    return out


def random_k600_splits(novel: Sequence[str],
                       seed: int,
                       num_splits: int = 3,
                       size: int = 160) -> List[List[str]]:
    """Draw ``num_splits`` random ``size``-class splits of ``novel``.

    These are NOT the ER-ZASR splits of the paper.

    Returns:
        list[list[str]]: Each split sorted alphabetically.
    """
    if len(novel) < size:
        raise ValueError(f'only {len(novel)} K600 classes are not in K400, '
                         f'fewer than the split size {size}')
    rng = random.Random(seed)
    return [sorted(rng.sample(sorted(novel), size)) for _ in range(num_splits)]
