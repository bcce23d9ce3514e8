# Copyright (c) OpenMMLab. All rights reserved.
"""Packaging: requirement files, the wheel's ``.mim`` content, editable
installs and the OpenMMLab tools run from an installed package."""
import glob
import os
import os.path as osp
import runpy
import shutil
import subprocess
import sys
import zipfile
from typing import Dict, List, Set

import pytest
from mmengine.config import Config
from packaging.requirements import Requirement

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# What a checkout may hold beside the sources; never part of a build.
TOP_LEVEL_IGNORE = {'.git', 'work_dirs', 'data', 'build', 'dist'}
ANY_LEVEL_IGNORE = shutil.ignore_patterns('.venv*', '.mim', '__pycache__',
                                          '*.egg-info', '.pytest_cache')


def copy_ignore(path: str, names: List[str]) -> Set[str]:
    ignored = set(ANY_LEVEL_IGNORE(path, names))
    if osp.samefile(path, REPO):  # keep e.g. tools/data, drop ./data
        ignored |= TOP_LEVEL_IGNORE & set(names)
    return ignored


def read_reqs(name: str) -> List[Requirement]:
    setup = runpy.run_path(osp.join(REPO, 'setup.py'), run_name='setup')
    return [Requirement(r) for r in setup['read_requirements'](name)]


def pins(reqs: List[Requirement]) -> Dict[str, str]:
    out = {}
    for req in reqs:
        exact = [s.version for s in req.specifier if s.operator == '==']
        if exact:
            out[canonical(req.name)] = exact[0]
    return out


def canonical(name: str) -> str:
    return name.lower().replace('_', '-')


def test_requirements_are_consistent():
    runtime = read_reqs('runtime.txt')
    names = {canonical(r.name) for r in runtime}
    assert 'mmcv-lite' in names
    assert 'mmcv' not in names  # forces a failing source build
    install = pins(read_reqs('install.txt'))
    # The install line pins torch and torchvision together, and one version
    # for both OpenCV distributions (they share cv2/).
    assert {'torch', 'torchvision'} <= set(install)
    assert install['opencv-python'] == install['opencv-contrib-python']
    # Every pinned version satisfies the package's own requirements.
    for req in runtime:
        version = install.get(canonical(req.name))
        if version is not None:
            assert req.specifier.contains(version, prereleases=True), \
                (str(req), version)
    assert 'pytest' in {canonical(r.name) for r in read_reqs('tests.txt')}


def pip(*args: str, cwd: str = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', 'pip', *args, '-q'],
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=600)


@pytest.fixture(scope='module')
def source_copy(tmp_path_factory) -> str:
    """A copy of the checkout: builds write into ``mote_mmaction/.mim``,
    which must not replace this checkout's editable-install symlinks."""
    src = str(tmp_path_factory.mktemp('pkg') / 'src')
    shutil.copytree(REPO, src, ignore=copy_ignore)
    return src


@pytest.fixture(scope='module')
def wheel(source_copy, tmp_path_factory) -> str:
    out = str(tmp_path_factory.mktemp('wheel'))
    res = pip('wheel', source_copy, '--no-deps', '--no-build-isolation',
              '-w', out)
    assert res.returncode == 0, res.stderr[-3000:]
    return glob.glob(osp.join(out, 'mote_mmaction-*.whl'))[0]


# What MANIFEST.in and setup.py's package_data ship from each .mim folder.
MIM_EXTS = dict(
    configs=('.py', '.yml', '.txt', '.csv'), tools=('.py', '.sh', '.md'))


def test_wheel_ships_configs_and_tools(wheel, source_copy):
    zf = zipfile.ZipFile(wheel)
    names = zf.namelist()
    for top, exts in MIM_EXTS.items():
        for path in glob.glob(
                osp.join(source_copy, top, '**', '*'), recursive=True):
            if path.endswith(exts):
                rel = osp.relpath(path, source_copy).replace(os.sep, '/')
                assert f'mote_mmaction/.mim/{rel}' in names, rel
    for must in ('mote_mmaction/.mim/configs/_base_/default_runtime.py',
                 'mote_mmaction/.mim/configs/mote/k400.py',
                 'mote_mmaction/.mim/configs/mote/metafile.yml',
                 'mote_mmaction/.mim/tools/train.py',
                 'mote_mmaction/.mim/tools/test.py',
                 'mote_mmaction/.mim/tools/_launch.py',
                 'mote_mmaction/.mim/tools/dist_train.sh',
                 'mote_mmaction/.mim/tools/data/check_videos.py',
                 'mote_mmaction/.mim/model-index.yml'):
        assert must in names, must
    assert not any('__pycache__' in n or n.startswith('tests/')
                   for n in names)
    meta = zf.read(next(n for n in names if n.endswith('/METADATA')))
    requires = [
        Requirement(line.split(':', 1)[1].strip())
        for line in meta.decode().splitlines()
        if line.startswith('Requires-Dist:')
    ]
    runtime = {canonical(r.name) for r in requires if r.marker is None}
    assert {'mmaction2', 'mmengine', 'mmcv-lite', 'torch', 'decord',
            'open-clip-torch', 'importlib-metadata'} <= runtime
    assert 'mmcv' not in runtime


def unpack(wheel_path: str, dest: str) -> str:
    """Install a pure-Python wheel by unpacking it, without touching any
    environment (``pip install --prefix`` would uninstall this venv's own
    editable ``mote_mmaction``)."""
    zipfile.ZipFile(wheel_path).extractall(dest)
    return dest


def test_editable_install_links_mim(source_copy, tmp_path):
    """Modern pip runs ``editable_wheel`` (PEP 660), not ``develop``;
    ``.mim`` must still appear, as links into the checkout."""
    out = str(tmp_path / 'out')
    os.makedirs(out)
    # The PEP 660 hook that `pip install --no-build-isolation -e` calls.
    code = ('from setuptools import build_meta; '
            f'print(build_meta.build_editable({out!r}))')
    res = subprocess.run([sys.executable, '-c', code],
                         cwd=source_copy,
                         capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    site = unpack(
        osp.join(out,
                 res.stdout.strip().splitlines()[-1]), str(tmp_path / 'site'))
    # -S: only the unpacked wheel, not this venv's editable mote_mmaction.
    code = ('import site, importlib.util; '
            f'site.addsitedir({site!r}); '
            "print(importlib.util.find_spec('mote_mmaction').origin)")
    res = subprocess.run([sys.executable, '-S', '-c', code],
                         cwd=str(tmp_path),
                         capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr
    pkg = osp.dirname(res.stdout.strip())
    assert osp.realpath(pkg) == osp.realpath(
        osp.join(source_copy, 'mote_mmaction'))
    mim = osp.join(pkg, '.mim')
    assert osp.islink(osp.join(mim, 'configs'))
    assert osp.isfile(
        osp.join(mim, 'configs', '_base_', 'default_runtime.py'))
    assert osp.isfile(osp.join(mim, 'tools', 'train.py'))
    assert osp.isfile(osp.join(mim, 'model-index.yml'))
    # A wheel built later in the same checkout copies the linked files and
    # leaves the links (the editable install keeps seeing live configs).
    out = str(tmp_path / 'wheel')
    res = pip('wheel', source_copy, '--no-deps', '--no-build-isolation',
              '-w', out)
    assert res.returncode == 0, res.stderr[-3000:]
    assert osp.islink(osp.join(mim, 'configs'))
    built = glob.glob(osp.join(out, 'mote_mmaction-*.whl'))
    assert len(built) == 1
    assert ('mote_mmaction/.mim/configs/_base_/default_runtime.py'
            in zipfile.ZipFile(built[0]).namelist())


def write_clips(root: str, num: int = 4, num_classes: int = 2) -> str:
    """Write ``num`` tiny mp4 clips and an MMAction2 list ``name.mp4 y``."""
    import cv2
    import numpy as np
    lines = []
    for i in range(num):
        name = f'clip{i}.mp4'
        writer = cv2.VideoWriter(
            osp.join(root, name), cv2.VideoWriter_fourcc(*'mp4v'), 8,
            (32, 32))
        for t in range(16):
            frame = np.full((32, 32, 3), (40 * i + 8 * t) % 255, np.uint8)
            writer.write(frame)
        writer.release()
        lines.append(f'{name} {i % num_classes}')
    ann = osp.join(root, 'ann.txt')
    with open(ann, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return ann


def tiny_config(root: str, ann: str) -> str:
    """A stock TSN config (no MoTE part) that loads mote_mmaction."""
    pipeline = [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=1, num_clips=2),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 32)),
        dict(type='CenterCrop', crop_size=32),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs')
    ]
    cfg = dict(
        default_scope='mmaction',
        custom_imports=dict(
            imports=['mote_mmaction'], allow_failed_imports=False),
        model=dict(
            type='Recognizer2D',
            backbone=dict(
                type='MobileNetV2', widen_factor=0.25, pretrained=None),
            cls_head=dict(
                type='TSNHead',
                num_classes=2,
                in_channels=1280,
                average_clips='prob'),
            data_preprocessor=dict(
                type='ActionDataPreprocessor', format_shape='NCHW')),
        train_dataloader=dict(
            batch_size=2,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(
                type='VideoDataset',
                ann_file=ann,
                data_prefix=dict(video=root),
                pipeline=pipeline)),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(
            checkpoint=dict(
                type='CheckpointHook', interval=1, by_epoch=False)),
        log_level='WARNING')
    path = osp.join(root, 'tiny_tsn.py')
    Config(cfg).dump(path)
    return path


def test_installed_tools_train_uses_installed_package(wheel, tmp_path):
    """``<site-packages>/mote_mmaction/.mim/tools/train.py`` (what ``mim
    train`` runs) works without a checkout on ``sys.path``."""
    site = unpack(wheel, str(tmp_path / 'site'))
    installed = osp.join(site, 'mote_mmaction')
    marker = str(tmp_path / 'imported_from')
    with open(osp.join(installed, '__init__.py'), 'a') as f:
        f.write(f'\nopen({marker!r}, "w").write(__file__)\n')
    data = tmp_path / 'data'
    data.mkdir()
    cfg = tiny_config(str(data), write_clips(str(data)))
    work = str(tmp_path / 'work')
    # The unpacked wheel goes before this venv's site-packages (and its
    # editable finder for the checkout); the cwd is not the checkout.
    env = dict(os.environ, PYTHONPATH=site, OMP_NUM_THREADS='1')
    train_py = osp.join(installed, '.mim', 'tools', 'train.py')
    res = subprocess.run(
        [sys.executable, train_py, cfg, '--work-dir', work, '--no-validate'],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'iter_1.pth'))
    with open(marker) as f:
        assert f.read() == osp.join(installed, '__init__.py')


def test_ci_fails_when_no_test_is_collected():
    """``.ci/run`` -> ``tools/quickstart.sh test`` must pass pytest's exit
    code 5 ("no tests collected") through instead of swallowing it."""
    import importlib.metadata
    try:
        importlib.metadata.version('mote_mmaction')
    except importlib.metadata.PackageNotFoundError:
        pytest.skip('mote_mmaction is not installed in this interpreter')
    if sys.prefix == sys.base_prefix or not osp.isfile(
            osp.join(sys.prefix, 'bin', 'python')):
        pytest.skip('needs a venv (quickstart.sh would create one)')
    with open(osp.join(REPO, '.ci', 'run')) as f:
        ci = f.read()
    assert os.access(osp.join(REPO, '.ci', 'run'), os.X_OK)
    assert 'set -euo pipefail' in ci and '|| true' not in ci
    assert 'tools/quickstart.sh test' in ci
    # The current venv already holds everything: quickstart.sh skips the
    # install; `-p no:python` makes pytest collect nothing.
    res = subprocess.run(
        ['bash', 'tools/quickstart.sh', 'test', '-p', 'no:python'],
        cwd=REPO,
        env=dict(os.environ, VENV=sys.prefix),
        capture_output=True,
        text=True,
        timeout=300)
    assert res.returncode == 5, res.stdout[-2000:] + res.stderr[-2000:]
