# Copyright (c) OpenMMLab. All rights reserved.
"""Shared helpers of the ``tools/data/<dataset>/build_lists.py`` scripts.

They read the datasets' own official annotation files and write

* MMAction2 ``VideoDataset`` lists: ``relative/path.ext label`` per line;
* class-name files: one readable name per line, line i is label i (read
  by :func:`mote_mmaction.utils.load_class_names`).

Only the standard library is used, and ``mote_mmaction/utils/
class_names.py`` is loaded from its file without importing the package
(which would import PyTorch and MMAction2), so the scripts start fast and
run on machines without the training stack.
"""
import csv
import importlib.util
import json
import os
import os.path as osp
import random
import re
import sys
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

Entry = Tuple[str, int]

_REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_class_names_module():
    """Load ``mote_mmaction/utils/class_names.py`` as a plain module."""
    name = '_mote_class_names'
    if name in sys.modules:
        return sys.modules[name]
    path = osp.join(_REPO, 'mote_mmaction', 'utils', 'class_names.py')
    if not osp.isfile(path):
        # Installed copy (``mote_mmaction/.mim/tools``): find the package
        # without importing it.
        spec = importlib.util.find_spec('mote_mmaction')
        if spec is None or not spec.submodule_search_locations:
            raise ImportError('cannot find mote_mmaction/utils/'
                              'class_names.py')
        path = osp.join(spec.submodule_search_locations[0], 'utils',
                        'class_names.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_class_names = _load_class_names_module()
normalize_class_name = _class_names.normalize_class_name
load_class_names = _class_names.load_class_names


# --------------------------------------------------------------- output
def write_list(path: str, entries: Iterable[Entry]) -> int:
    """Write a ``VideoDataset`` list (``path label`` lines).

    Args:
        path (str): Output file; its directory is created.
        entries (Iterable[tuple[str, int]]): ``(relative path, label)``.

    Returns:
        int: The number of lines written.
    """
    entries = list(entries)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(f'{p} {label}\n' for p, label in entries)
    return len(entries)


def write_names(path: str, names: Sequence[str]) -> None:
    """Write a class-name file: one name per line, line i is label i.

    Args:
        path (str): Output file; its directory is created.
        names (Sequence[str]): Names in label order.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(f'{n}\n' for n in names)


def write_names_csv(path: str, names: Sequence[str]) -> None:
    """Write an ``id,name`` class-name file (names used verbatim).

    Args:
        path (str): Output file; its directory is created.
        names (Sequence[str]): Names in label order.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(['id', 'name'])
        writer.writerows(enumerate(names))


# The MoTE authors' UCF101 names (their lists/ucf101/ucf_labels.csv) are
# ours but for these classes: they kept "YoYo" in one word.
AUTHORS_UCF101_NAMES = {'YoYo': 'YoYo'}


def ucf101_authors_names(classes: Sequence[str]) -> List[str]:
    """The authors' strings for ``classInd.txt`` class names."""
    return [AUTHORS_UCF101_NAMES.get(c, normalize_class_name(c))
            for c in classes]


# ---------------------------------------------------------------- input
def read_lines(path: str) -> List[Tuple[int, str]]:
    """Non-blank lines of a text file with their 1-based numbers.

    Surrounding whitespace (also the ``\\r`` of the official Windows line
    ends) is removed.

    Args:
        path (str): The file.

    Returns:
        list[tuple[int, str]]: ``(line number, text)``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    with open(path, encoding='utf-8-sig') as f:
        return [(i, line.strip()) for i, line in enumerate(f, 1)
                if line.strip()]


def name_key(name: str) -> str:
    """Spelling-independent key of a class name: case, ``_`` versus space
    and parentheses are ignored (``backflip_(human)``, ``Backflip human``
    and ``backflip (human)`` share a key)."""
    return ' '.join(re.sub(r'[_()]', ' ', name).lower().split())


# --------------------------------------------------------------- UCF101
def ucf101_classes(class_ind: str) -> List[str]:
    """Class directory names in label order from ``classInd.txt``.

    Args:
        class_ind (str): The official file, lines ``1 ApplyEyeMakeup``
            (1-based ids).

    Returns:
        list[str]: Name of label 0, 1, ...
    """
    by_id: Dict[int, str] = {}
    for i, line in read_lines(class_ind):
        parts = line.split()
        if len(parts) != 2 or not parts[0].isdigit():
            raise ValueError(f'{class_ind} line {i}: expected `id Name`, '
                             f'got {line!r}')
        idx = int(parts[0])
        if idx in by_id:
            raise ValueError(f'{class_ind} line {i}: duplicate id {idx}')
        by_id[idx] = parts[1]
    if sorted(by_id) != list(range(1, len(by_id) + 1)):
        raise ValueError(f'{class_ind}: ids must be 1..{len(by_id)}')
    classes = [by_id[i] for i in range(1, len(by_id) + 1)]
    if len(set(classes)) != len(classes):
        raise ValueError(f'{class_ind}: duplicate class names')
    return classes


def ucf101_split(split_file: str, classes: Sequence[str]) -> List[Entry]:
    """Entries of an official ``trainlist0k.txt`` or ``testlist0k.txt``.

    The label of a video is the index of its class directory in
    ``classes``. Test lists have no label column; where a line has one (the
    train lists, 1-based), it must agree with the directory.

    Args:
        split_file (str): Lines ``Class/v_Class_g01_c01.avi [label]``.
        classes (Sequence[str]): From :func:`ucf101_classes`.

    Returns:
        list[tuple[str, int]]: ``(path, 0-based label)`` in file order.
    """
    index = {c: i for i, c in enumerate(classes)}
    entries = []
    for i, line in read_lines(split_file):
        parts = line.split()
        path = parts[0].replace('\\', '/')
        cls = path.split('/')[0]
        if len(parts) > 2 or '/' not in path:
            raise ValueError(f'{split_file} line {i}: expected '
                             f'`Class/video.avi [label]`, got {line!r}')
        if cls not in index:
            raise ValueError(f'{split_file} line {i}: unknown class {cls!r} '
                             '(not in classInd.txt)')
        if len(parts) == 2 and parts[1] != str(index[cls] + 1):
            raise ValueError(f'{split_file} line {i}: label {parts[1]} does '
                             f'not match class {cls!r} (id '
                             f'{index[cls] + 1} in classInd.txt)')
        entries.append((path, index[cls]))
    return entries


# --------------------------------------------------------------- HMDB51
def hmdb51_split(split_dir: str,
                 split: int) -> Tuple[List[str], List[Entry], List[Entry]]:
    """Classes, train and test entries of one official HMDB51 split.

    Reads every ``<class>_test_split<k>.txt`` of ``testTrainMulti_7030_
    splits`` (lines ``video.avi 1|2|0``: 1 train, 2 test, 0 unused).
    Labels follow the class names sorted alphabetically.

    Args:
        split_dir (str): Directory of the official split files.
        split (int): 1, 2 or 3.

    Returns:
        tuple: ``(classes, train, test)``; entries are
        ``(class/video.avi, label)`` in file order, classes in label order.
    """
    if not osp.isdir(split_dir):
        raise FileNotFoundError(f'split directory not found: {split_dir}')
    suffix = f'_test_split{split}.txt'
    # Sort the class names, not the file names: `climb` < `climb_stairs`
    # while `climb_stairs_test_...` < `climb_test_...`.
    classes = sorted(f[:-len(suffix)] for f in os.listdir(split_dir)
                     if f.endswith(suffix))
    if not classes:
        raise FileNotFoundError(f'no *{suffix} files in {split_dir}')
    train, test = [], []
    for label, cls in enumerate(classes):
        fname = osp.join(split_dir, cls + suffix)
        for i, line in read_lines(fname):
            parts = line.split()
            if len(parts) != 2 or parts[1] not in ('0', '1', '2'):
                raise ValueError(f'{fname} line {i}: expected '
                                 f'`video.avi 0|1|2`, got {line!r}')
            entry = (f'{cls}/{parts[0]}', label)
            if parts[1] == '1':
                train.append(entry)
            elif parts[1] == '2':
                test.append(entry)
    return classes, train, test


# ------------------------------------------------------------- Kinetics
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
