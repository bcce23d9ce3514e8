# Copyright (c) OpenMMLab. All rights reserved.
"""The base-to-novel and few-shot configs read their own dataset's files.

Each dataset's files are made the way the docs say: the full lists under
the names of the ``make_base2novel_split.py`` command in the
base-to-novel config's header, with the dataset's class count, then that
command and ``make_fewshot_lists.py`` (docs/protocols.md layout). Every
file a config names must be one of them, and ``num_classes`` the length of
the class file the model reads.
"""
import os.path as osp
import re
import shlex

import pytest
from mmengine.config import Config

from _inprocess_tools import run_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs', 'mote')
# each dataset's class count (lines of its class-name file)
CLASSES = dict(k400=400, hmdb51=51, ucf101=101, sthv2=174)
FEWSHOT = ('hmdb51', 'ucf101', 'sthv2')


def config(name: str) -> Config:
    return Config.fromfile(osp.join(CONFIGS, name))


def header_command(name: str) -> list:
    """Arguments of the split command in ``name``'s header comment."""
    with open(osp.join(CONFIGS, name)) as f:
        lines = [ln.lstrip('#').strip() for ln in f]
    start = next(i for i, ln in enumerate(lines)
                 if 'make_base2novel_split.py' in ln)
    end = start
    while lines[end].endswith('\\'):
        end += 1
    words = shlex.split(' '.join(ln.rstrip('\\') for ln in
                                 lines[start:end + 1]))
    return words[words.index('tools/data/protocols/'
                             'make_base2novel_split.py') + 1:]


def write_dataset(root, dataset: str) -> list:
    """The full train/test lists and class names at the header's paths.

    Returns:
        list: The split command's arguments, paths under ``root``.
    """
    args = header_command(f'base2novel_{dataset}.py')
    args = [str(root / a) if a.startswith('data/') else a for a in args]
    train, test, names = args[:3]
    n = CLASSES[dataset]
    for path, lines in (
            (names, [f'class {c}' for c in range(n)]),
            (train, [f'c{c}/t{i}.mp4 {c}' for c in range(n)
                     for i in range(16)]),
            (test, [f'c{c}/v.mp4 {c}' for c in range(n)])):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text('\n'.join(lines) + '\n')
    return args


def read_lines(path) -> list:
    with open(path) as f:
        return f.read().splitlines()


@pytest.mark.parametrize('dataset', sorted(CLASSES))
def test_base2novel_config_reads_the_split_files(dataset, tmp_path):
    args = write_dataset(tmp_path, dataset)
    res = run_script('tools/data/protocols/make_base2novel_split.py', *args)
    assert res.returncode == 0, res.stderr
    cfg = config(f'base2novel_{dataset}.py')

    def at(path, split):
        file = tmp_path / path.format(split=split)
        assert file.is_file(), path
        return file

    train = cfg.train_dataloader.dataset.dataset
    assert train.split == 'seed1'
    for seed in (1, 2, 3):  # the tool's default seeds
        at(train.ann_file, f'seed{seed}')
    head = cfg.model.cls_head
    assert 'class_names' not in head  # named once, on the dataset
    base = read_lines(at(train.class_names, None))
    assert head.num_classes == len(base)
    # k400.py's hooks, then the novel half's
    *hooks, novel_hook = cfg.custom_hooks
    assert hooks == config('k400.py').custom_hooks
    assert novel_hook.type == 'MoTEZeroShotEvalHook'
    halves = dict(base=[cfg.val_dataloader.dataset,
                        cfg.test_dataloader.dataset],
                  novel=[novel_hook.datasets[0].dataloader.dataset])
    classes = {}
    for half, datasets in halves.items():
        for ds in datasets:
            assert ds.split == half and ds.test_mode
            at(ds.ann_file, half)
            classes[half] = read_lines(at(ds.class_names, half))
    assert classes['base'] == base
    assert sorted(base + classes['novel']) == sorted(
        read_lines(tmp_path / args[2]))
    if dataset in FEWSHOT:  # the base half's share of the full list
        full = config(f'fewshot_{dataset}.py').full_train_videos
        share = full * len(base) / CLASSES[dataset]
        assert abs(cfg.train_dataloader.dataset.length - share) <= 1


@pytest.mark.parametrize('dataset', FEWSHOT)
def test_fewshot_config_reads_the_kshot_files(dataset, tmp_path):
    train_list, test_list, names = write_dataset(tmp_path, dataset)[:3]
    res = run_script('tools/data/protocols/make_fewshot_lists.py',
                     train_list, '--shots', 16, '--seeds', 1, '--out-dir',
                     osp.join(osp.dirname(train_list), 'fewshot'))
    assert res.returncode == 0, res.stderr
    cfg = config(f'fewshot_{dataset}.py')
    train = cfg.train_dataloader.dataset.dataset
    assert train.split == 'k16_seed1'
    assert (tmp_path / train.ann_file.format(split=train.split)).is_file()
    head = cfg.model.cls_head
    for ds in (train, cfg.val_dataloader.dataset,
               cfg.test_dataloader.dataset):
        assert str(tmp_path / ds.class_names) == names
    assert 'class_names' not in head  # named once, on the dataset
    assert head.num_classes == len(read_lines(names)) == CLASSES[dataset]
    for ds in (cfg.val_dataloader.dataset, cfg.test_dataloader.dataset):
        assert str(tmp_path / ds.ann_file) == test_list
    assert cfg.train_dataloader.dataset.length == cfg.full_train_videos


def loaders(cfg: Config, keys: list) -> list:
    """The loaders under ``keys``; ``'novel'``: the zero-shot hook's."""
    hooked = [spec.dataloader for h in cfg.custom_hooks
              for spec in h.get('datasets', [])]
    return [ld for key in keys
            for ld in (hooked if key == 'novel' else [cfg[key]])]


@pytest.mark.parametrize('dataset', sorted(CLASSES))
def test_a_datasets_configs_read_the_same_video_folders(dataset):
    """Train videos from one folder, test videos from one folder, in every
    config of a dataset (the zero-shot configs: their test set only)."""
    train, test = ['train_dataloader'], ['val_dataloader', 'test_dataloader',
                                         'novel']
    uses = {f'base2novel_{dataset}.py': (train, test)}
    if dataset in FEWSHOT:
        uses[f'fewshot_{dataset}.py'] = (train, test)
    if dataset == 'k400':
        uses['k400.py'] = (train, test)
    elif dataset != 'sthv2':
        uses[f'zeroshot_{dataset}.py'] = ([], ['test_dataloader'])
    folders = (set(), set())
    for name, keys in uses.items():
        cfg = config(name)
        for found, role_keys in zip(folders, keys):
            for loader in loaders(cfg, role_keys):
                ds = loader.dataset
                found.add(ds.get('dataset', ds).data_prefix.video)
    assert [len(f) for f in folders] == [1, 1], folders


@pytest.mark.parametrize('family', ['base2novel', 'fewshot'])
def test_per_dataset_configs_differ_only_in_their_values(family):
    """Below its values every ``<family>_*.py`` is the same text (SSv2's
    training views aside): MMEngine cannot share it through the base."""
    datasets = sorted(CLASSES) if family == 'base2novel' else FEWSHOT
    bodies = {}
    for dataset in datasets:
        with open(osp.join(CONFIGS, f'{family}_{dataset}.py')) as f:
            text = f.read()
        assert text.count('# From here on the same') == 1, dataset
        body = text[text.index('# From here on the same'):]
        bodies[dataset] = re.sub(r',\s*pipeline=sthv2_train_pipeline', '',
                                 body)
    assert len(set(bodies.values())) == 1, bodies
