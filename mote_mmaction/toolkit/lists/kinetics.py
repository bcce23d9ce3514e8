# Copyright (c) OpenMMLab. All rights reserved.
"""The official Kinetics csv files (``label,youtube_id,time_start,
time_end,split``) and the class directories of their videos."""
import csv
import os.path as osp
from typing import Iterable, List, Optional, Sequence, Tuple

from ...vocabulary import load_class_names
from .video_list import Entry


def kinetics_rows(csv_file: str) -> List[dict]:
    """Rows of an official Kinetics csv.

    Args:
        csv_file (str): Columns ``label,youtube_id,time_start,time_end,
            split[,is_cc]``.

    Returns:
        list[dict]: The rows, with the file under ``'_file'`` and the line
        number under ``'_line'`` (for error messages).
    """
    if not osp.isfile(csv_file):
        raise FileNotFoundError(f'annotation file not found: {csv_file}')
    with open(csv_file, encoding='utf-8-sig', newline='') as f:
        reader = csv.DictReader(f)
        need = ['label', 'youtube_id', 'time_start', 'time_end']
        missing = [c for c in need if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f'{csv_file} line 1: missing columns {missing}'
                             f' (expected {",".join(need)},split[,is_cc])')
        rows = []
        for row in reader:
            row['_file'], row['_line'] = csv_file, reader.line_num
            if not (row['label'] or '').strip():
                raise ValueError(f'{csv_file} line {reader.line_num}: no '
                                 'label (a test.csv without labels cannot '
                                 'be used)')
            rows.append(row)
    if not rows:
        raise ValueError(f'{csv_file}: no rows')
    return rows


def find_kinetics_csv(ann_dir: str, subset: str) -> str:
    """The official csv of a subset in ``ann_dir``.

    Accepts the CVDF names (``train.csv``, ``val.csv``, ``test.csv``), the
    DeepMind archive's ``validate.csv`` and MMAction2's renamed
    ``kinetics_{subset}.csv``.
    """
    names = [f'{subset}.csv', f'kinetics_{subset}.csv']
    if subset == 'val':
        names.insert(1, 'validate.csv')
    for name in names:
        if osp.isfile(osp.join(ann_dir, name)):
            return osp.join(ann_dir, name)
    raise FileNotFoundError(f'no {" or ".join(names)} in {ann_dir}')


def kinetics_classes(rows: Iterable[dict]) -> List[str]:
    """Sorted label names: the Kinetics class order (label 0 =
    ``abseiling``)."""
    return sorted({r['label'].strip() for r in rows})


def kinetics_dir(label: str, keep_parentheses: bool = False) -> str:
    """Class directory of a Kinetics label.

    Spaces become underscores (video lists are split at spaces).
    Parentheses are dropped (``hurling (sport)`` -> ``hurling_sport``, as
    in the MoTE K400 lists) unless kept (``hurling_(sport)``, as after
    MMAction2's ``rename_classnames.sh`` and in the MoTE K600 lists).
    """
    name = label.strip().replace(' ', '_')
    if not keep_parentheses:
        name = name.replace('(', '').replace(')', '')
    return name


def kinetics_video(row: dict, keep_parentheses: bool = False) -> str:
    """``class_dir/{youtube_id}_{start:06d}_{end:06d}.mp4`` of a row."""
    where = f'{row.get("_file", "csv")} line {row.get("_line", "?")}'
    try:
        start = int(float(row['time_start']))
        end = int(float(row['time_end']))
    except (TypeError, ValueError):
        raise ValueError(
            f'{where}: bad time_start/time_end '
            f'{row["time_start"]!r}, {row["time_end"]!r}') from None
    return (f'{kinetics_dir(row["label"], keep_parentheses)}/'
            f'{row["youtube_id"].strip()}_{start:06d}_{end:06d}.mp4')


def kinetics_entries(
        rows: Iterable[dict],
        classes: Sequence[str],
        root: Optional[str] = None,
        keep_parentheses: bool = False) -> Tuple[List[Entry], int]:
    """Entries of the rows whose label is in ``classes`` (others are
    skipped), sorted by path.

    Args:
        rows (Iterable[dict]): From :func:`kinetics_rows`.
        classes (Sequence[str]): Label names; label i is ``classes[i]``.
        root (str, optional): If given, rows whose video file is not
            under ``root`` are dropped and counted.
        keep_parentheses (bool): See :func:`kinetics_dir`.

    Returns:
        tuple: ``(entries, number of missing videos dropped)``.
    """
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
    # Sorted by path, as MMAction2's and the MoTE authors' lists are.
    entries.sort()
    return entries, missing


def read_class_list(path: str) -> List[str]:
    """Class names from a txt (one per line), an ``id,name`` csv or an
    official Kinetics csv (its sorted labels).

    Args:
        path (str): The file.

    Returns:
        list[str]: The names as written (label order for txt and
        ``id,name`` files).
    """
    if path.lower().endswith('.csv'):
        with open(path, encoding='utf-8-sig') as f:
            header = f.readline()
        if 'youtube_id' in header:
            return kinetics_classes(kinetics_rows(path))
    return load_class_names(path, normalize=False)
