# Copyright (c) OpenMMLab. All rights reserved.
"""Build MMAction2 video lists and class-name files from the official
annotation files of Kinetics-400/600, UCF101 and HMDB51.

Outputs are MMAction2 ``VideoDataset`` lists (``relative/path label``) and
class-name files (one name per line, line i = label i). Used by
``tools/data/<dataset>/build_lists.py``.
"""
import csv
import os
import os.path as osp
import random
from typing import Iterable, List, Optional, Sequence, Tuple

Entry = Tuple[str, int]


def write_list(path: str, entries: Iterable[Entry]) -> int:
    """Write ``path label`` lines; returns the count."""
    entries = list(entries)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.writelines(f'{p} {label}\n' for p, label in entries)
    return len(entries)


def write_names(path: str, names: Sequence[str]) -> None:
    """Write a class-name file (one per line)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.writelines(f'{n}\n' for n in names)


def _lines(path: str) -> List[str]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    with open(path) as f:
        return [ln.strip() for ln in f if ln.strip()]


# ---------------------------------------------------------------- UCF101
def ucf101_classes(class_ind: str) -> List[str]:
    """Class dir names in label order from ``classInd.txt`` (``1 Name``)."""
    classes = {}
    for i, line in enumerate(_lines(class_ind), 1):
        parts = line.split()
        if len(parts) != 2 or not parts[0].isdigit():
            raise ValueError(f'{class_ind} line {i}: expected `id Name`, '
                             f'got {line!r}')
        classes[int(parts[0]) - 1] = parts[1]
    if sorted(classes) != list(range(len(classes))):
        raise ValueError(f'{class_ind}: ids are not 1..{len(classes)}')
    return [classes[i] for i in range(len(classes))]


def ucf101_split(split_file: str, classes: Sequence[str]) -> List[Entry]:
    """Entries of an official ``trainlist0k.txt``/``testlist0k.txt``.

    The label is the class dir of each path (test lists have no label).
    """
    index = {c: i for i, c in enumerate(classes)}
    entries = []
    for i, line in enumerate(_lines(split_file), 1):
        path = line.split()[0]
        cls = path.split('/')[0]
        if cls not in index:
            raise ValueError(f'{split_file} line {i}: unknown class {cls!r}')
        entries.append((path, index[cls]))
    return entries


# ---------------------------------------------------------------- HMDB51
def hmdb51_split(split_dir: str, split: int
                 ) -> Tuple[List[str], List[Entry], List[Entry]]:
    """Classes, train and test entries of one official HMDB51 split.

    Reads ``<class>_test_split<k>.txt`` (``video.avi 1|2|0``: 1 train,
    2 test, 0 unused); classes are sorted by name.
    """
    suffix = f'_test_split{split}.txt'
    # Sort by class name, not file name: `climb` < `climb_stairs`, while
    # `climb_stairs_test...` < `climb_test...`.
    classes = sorted(f[:-len(suffix)] for f in os.listdir(split_dir)
                     if f.endswith(suffix))
    if not classes:
        raise FileNotFoundError(f'no *{suffix} files in {split_dir}')
    files = [c + suffix for c in classes]
    train, test = [], []
    for label, (cls, fname) in enumerate(zip(classes, files)):
        for i, line in enumerate(_lines(osp.join(split_dir, fname)), 1):
            parts = line.split()
            if len(parts) != 2 or parts[1] not in '012':
                raise ValueError(f'{fname} line {i}: expected `video 0|1|2`')
            entry = (f'{cls}/{parts[0]}', label)
            if parts[1] == '1':
                train.append(entry)
            elif parts[1] == '2':
                test.append(entry)
    return classes, train, test


# -------------------------------------------------------------- Kinetics
def kinetics_rows(csv_file: str) -> List[dict]:
    """Rows of an official Kinetics csv (label, youtube_id, time_start,
    time_end, split[, is_cc])."""
    if not osp.isfile(csv_file):
        raise FileNotFoundError(f'annotation file not found: {csv_file}')
    with open(csv_file, newline='') as f:
        rows = list(csv.DictReader(f))
    need = {'youtube_id', 'time_start', 'time_end'}
    if not rows or not need <= set(rows[0]):
        raise ValueError(f'{csv_file}: expected columns {sorted(need)} '
                         '(and `label`)')
    return rows


def kinetics_dir(label: str, keep_parentheses: bool = False) -> str:
    """Class directory of a label: spaces to underscores; parentheses are
    dropped as MMAction2's ``rename_classnames.sh`` does
    (``hurling (sport)`` -> ``hurling_sport``) unless kept
    (``backflip_(human)``, as in common K600 copies)."""
    name = label.strip().replace(' ', '_')
    if not keep_parentheses:
        name = name.replace('(', '').replace(')', '')
    return name


def kinetics_video(row: dict, keep_parentheses: bool = False) -> str:
    """``class/youtubeid_000000_000010.mp4`` of a row."""
    return (f'{kinetics_dir(row["label"], keep_parentheses)}/'
            f'{row["youtube_id"]}_'
            f'{int(float(row["time_start"])):06d}_'
            f'{int(float(row["time_end"])):06d}.mp4')


def kinetics_classes(rows: Iterable[dict]) -> List[str]:
    """Sorted label names (Kinetics' own class order)."""
    return sorted({r['label'].strip() for r in rows})


def kinetics_entries(rows: Iterable[dict],
                     classes: Sequence[str],
                     root: Optional[str] = None,
                     keep_parentheses: bool = False
                     ) -> Tuple[List[Entry], int]:
    """Entries of rows whose label is in ``classes``; with ``root``, rows
    whose video file is missing are dropped and counted."""
    index = {c: i for i, c in enumerate(classes)}
    entries, missing = [], 0
    for row in rows:
        label = row['label'].strip()
        if label not in index:
            continue
        path = kinetics_video(row, keep_parentheses)
        if root is not None and not osp.isfile(osp.join(root, path)):
            missing += 1
            continue
        entries.append((path, index[label]))
    return entries, missing


def read_name_list(path: str) -> List[str]:
    """Class names from a txt (one per line) or an ``id,name`` csv, with
    underscores read as spaces (Kinetics labels use spaces)."""
    from .class_names import load_class_names
    return [n.replace('_', ' ') for n in load_class_names(
        path, normalize=False)]


def k600_zeroshot_split(split_names: Sequence[str], k600: Sequence[str],
                        k400: Sequence[str], source: str,
                        size: int = 160) -> List[str]:
    """Validate one ER-ZASR split: ``size`` K600 classes, none in K400."""
    k600_set, k400_set = set(k600), set(k400)
    unknown = [n for n in split_names if n not in k600_set]
    in_k400 = [n for n in split_names if n in k400_set]
    dup = len(split_names) - len(set(split_names))
    if unknown or in_k400 or dup or len(split_names) != size:
        raise ValueError(
            f'{source}: a K600 zero-shot split needs {size} distinct K600 '
            f'classes outside K400; got {len(split_names)} names, '
            f'not in K600: {unknown[:5]}, in K400: {in_k400[:5]}, '
            f'duplicates: {dup}')
    return list(split_names)


def random_k600_splits(k600: Sequence[str], k400: Sequence[str],
                       seed: int, num_splits: int = 3,
                       size: int = 160) -> List[List[str]]:
    """Random ``size``-of-novel splits (NOT the paper's ER-ZASR splits)."""
    novel = sorted(set(k600) - set(k400))
    if len(novel) < size:
        raise ValueError(f'only {len(novel)} K600 classes are not in K400')
    rng = random.Random(seed)
    return [sorted(rng.sample(novel, size)) for _ in range(num_splits)]
