# Copyright (c) OpenMMLab. All rights reserved.
"""Packaging: PEP 621 metadata, requirement files, builds that leave the
checkout clean, the wheel's ``.mim`` content, editable installs, and
``mim list/search/train/test`` for editable and regular installs."""
import contextlib
import glob
import importlib.metadata
import json
import os
import os.path as osp
import pickle
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from types import SimpleNamespace
from typing import Dict, List, Optional, Set, Tuple

import pytest
from mmengine.config import Config
from packaging.requirements import Requirement

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PURELIB = sysconfig.get_paths()['purelib']  # this venv's site-packages
# What a checkout may hold beside the sources; never part of a build.
TOP_LEVEL_IGNORE = {'.git', 'work_dirs', 'data', 'build', 'dist'}
ANY_LEVEL_IGNORE = shutil.ignore_patterns('.venv*', '.mim', '__pycache__',
                                          '*.egg-info', '.pytest_cache')
# What setup.py's build_py ships from each folder into ``.mim``.
MIM_EXTS = dict(
    configs=('.py', '.yml', '.txt', '.csv'), tools=('.py', '.sh', '.md'))
EXTRAS = dict(
    tests='tests.txt', mim='mminstall.txt', decoders='decoders.txt',
    plot='plot.txt', demo='demo.txt')


def copy_ignore(path: str, names: List[str]) -> Set[str]:
    ignored = set(ANY_LEVEL_IGNORE(path, names))
    if osp.samefile(path, REPO):  # keep e.g. tools/data, drop ./data
        ignored |= TOP_LEVEL_IGNORE & set(names)
    return ignored


def read_reqs(name: str, root: str = REPO) -> List[Requirement]:
    """A requirements file as setuptools' ``file`` directive reads it."""
    with open(osp.join(root, 'requirements', name)) as f:
        lines = [line.split('#', 1)[0].strip() for line in f]
    return [Requirement(line) for line in lines if line]


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
    tests = {canonical(r.name) for r in read_reqs('tests.txt')}
    assert 'pytest' in tests
    # openmim is installed with --no-deps (its openxlab dependency
    # downgrades setuptools below torch's floor); its other deps are here.
    assert 'openmim' not in tests
    mim_deps = {
        canonical(r.name)
        for r in map(Requirement, importlib.metadata.requires('openmim'))
        if r.marker is None
    }
    assert mim_deps - {'opendatalab', 'pip'} <= tests


def run(cmd: List[str], cwd: str = REPO, **kw) -> subprocess.CompletedProcess:
    res = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=600, **kw)
    assert res.returncode == 0, (cmd, res.stdout[-2000:], res.stderr[-3000:])
    return res


def pip(*args: str) -> subprocess.CompletedProcess:
    # No network and this venv's setuptools: --no-build-isolation.
    return run([sys.executable, '-m', 'pip', *args, '-q', '--no-deps',
                '--no-build-isolation'])


def snapshot(root: str) -> Dict[str, Optional[Tuple[int, int]]]:
    """Every path under ``root`` (links not followed) -> (size, mtime) of
    files and links, None for folders."""
    out: Dict[str, Optional[Tuple[int, int]]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = osp.join(dirpath, name)
            st = os.lstat(path)
            is_dir = osp.isdir(path) and not osp.islink(path)
            out[osp.relpath(path, root)] = None if is_dir else (
                st.st_size, st.st_mtime_ns)
    return out


def mim_names(wheel_path: str) -> Set[str]:
    return {n for n in zipfile.ZipFile(wheel_path).namelist()
            if n.startswith('mote_mmaction/.mim/')}


@pytest.fixture(scope='module')
def builds(tmp_path_factory) -> SimpleNamespace:
    """A copy of the checkout, built the ways users build it: ``pip wheel
    .``, ``python -m build`` (an sdist, then a wheel from it) and ``pip
    install .`` (into a ``--target`` folder, not this venv)."""
    tmp = tmp_path_factory.mktemp('pkg')
    src = str(tmp / 'src')
    shutil.copytree(REPO, src, ignore=copy_ignore)
    before = snapshot(src)
    out = SimpleNamespace(src=str(src), tmp=tmp)
    pip('wheel', src, '-w', str(tmp / 'wheel'))
    out.wheel, = glob.glob(str(tmp / 'wheel' / 'mote_mmaction-*.whl'))
    # python -m build: the PEP 517 sdist hook, then a wheel from the sdist.
    code = ('from setuptools import build_meta; '
            f'print(build_meta.build_sdist({str(tmp / "sdist")!r}))')
    name = run([sys.executable, '-c', code], cwd=src).stdout.split()[-1]
    out.sdist = str(tmp / 'sdist' / name)
    pip('wheel', out.sdist, '-w', str(tmp / 'sdist_wheel'))
    out.sdist_wheel, = glob.glob(str(tmp / 'sdist_wheel' / '*.whl'))
    out.site = str(tmp / 'site')
    pip('install', src, '--target', out.site)
    out.changed = sorted(
        p for p, st in snapshot(src).items() if before.get(p) != st)
    out.removed = sorted(set(before) - set(snapshot(src)))
    return out


def test_builds_leave_the_checkout_clean(builds):
    assert builds.changed == [] and builds.removed == []


def test_wheel_ships_configs_and_tools(builds):
    names = zipfile.ZipFile(builds.wheel).namelist()
    expected = set()
    for top, exts in MIM_EXTS.items():
        for path in glob.glob(
                osp.join(builds.src, top, '**', '*'), recursive=True):
            if path.endswith(exts) and '__pycache__' not in path:
                rel = osp.relpath(path, builds.src).replace(os.sep, '/')
                expected.add(f'mote_mmaction/.mim/{rel}')
    expected.add('mote_mmaction/.mim/model-index.yml')
    assert mim_names(builds.wheel) == expected
    for must in ('configs/_base_/default_runtime.py', 'configs/mote/k400.py',
                 'configs/mote/metafile.yml', 'tools/train.py',
                 'tools/test.py', 'tools/_launch.py', 'tools/dist_train.sh',
                 'tools/data/check_videos.py'):
        assert f'mote_mmaction/.mim/{must}' in names, must
    assert 'mote_mmaction/__init__.py' in names
    assert not any('__pycache__' in n or n.startswith(('tests/', 'configs/'))
                   for n in names)
    # The sdist carries what a wheel built from it needs.
    assert mim_names(builds.sdist_wheel) == expected
    with tarfile.open(builds.sdist) as tf:
        members = {m.split('/', 1)[1] for m in tf.getnames() if '/' in m}
    assert {'pyproject.toml', 'setup.py', 'requirements/runtime.txt',
            'configs/mote/k400.py', 'model-index.yml'} <= members
    assert not any('.mim' in m or m.startswith('tests') for m in members)


def pyproject() -> dict:
    with open(osp.join(REPO, 'pyproject.toml'), 'rb') as f:
        return tomllib.load(f)['project']


def check_metadata(meta, root: str) -> None:
    """``meta`` (importlib.metadata) is what pyproject.toml declares."""
    project = pyproject()
    scope: dict = {}
    with open(osp.join(root, 'mote_mmaction', 'version.py')) as f:
        exec(f.read(), scope)
    assert meta['Name'] == project['name'] == 'mote_mmaction'
    assert meta['Version'] == scope['__version__']
    assert meta['Summary'] == project['description']
    assert meta['Requires-Python'] == project['requires-python']
    assert meta['License-Expression'] == project['license']
    assert meta.get_all('Classifier') == project['classifiers']
    urls = dict(u.split(', ', 1) for u in meta.get_all('Project-URL'))
    assert urls == project['urls']
    # The long description is the README (its title; the body changes
    # between installs of an editable checkout).
    with open(osp.join(root, 'README.md')) as f:
        title = f.readline().strip()
    assert meta['Description'].strip().splitlines()[0] == title
    assert meta['Description-Content-Type'].startswith('text/markdown')
    requires = [Requirement(r) for r in meta.get_all('Requires-Dist')]
    plain = {str(r) for r in requires if r.marker is None}
    assert plain == {str(r) for r in read_reqs('runtime.txt', root)}
    assert sorted(meta.get_all('Provides-Extra')) == sorted(EXTRAS)
    for extra, name in EXTRAS.items():
        got = set()
        for r in requires:
            if r.marker is not None and r.marker.evaluate({'extra': extra}):
                r.marker = None
                got.add(str(r))
        assert got == {str(r) for r in read_reqs(name, root)}, extra


def test_metadata_is_pyproject(builds):
    # What pip installed into this venv (editable, from this checkout; run
    # `pip install --no-deps -e .` again after editing pyproject.toml or
    # requirements/) ...
    check_metadata(importlib.metadata.metadata('mote_mmaction'), REPO)
    # ... and what `pip install .` writes.
    dist, = importlib.metadata.distributions(
        name='mote_mmaction', path=[builds.site])
    check_metadata(dist.metadata, builds.src)
    assert dist.read_text('top_level.txt').split() == ['mote_mmaction']


@pytest.fixture(scope='module')
def editable(builds) -> SimpleNamespace:
    """The PEP 660 wheel that ``pip install -e`` builds, from ``builds.src``,
    unpacked into a folder of its own."""
    before = snapshot(builds.src)
    out = str(builds.tmp / 'editable')
    code = ('from setuptools import build_meta; '
            f'print(build_meta.build_editable({out!r}))')
    name = run([sys.executable, '-c', code], cwd=builds.src).stdout.split()[-1]
    site = str(builds.tmp / 'editable_site')
    zipfile.ZipFile(osp.join(out, name)).extractall(site)
    after = snapshot(builds.src)
    return SimpleNamespace(
        site=site,
        new=sorted(set(after) - set(before)),
        changed=sorted(p for p in before if after.get(p) != before[p]))


def test_editable_install_links_mim(builds, editable):
    # The only trace in the checkout: git-ignored links into it.
    mim = osp.join(builds.src, 'mote_mmaction', '.mim')
    assert editable.changed == []
    assert sorted(editable.new) == sorted(
        [osp.join('mote_mmaction', '.mim')] +
        [osp.join('mote_mmaction', '.mim', n)
         for n in ('configs', 'model-index.yml', 'tools')])
    for name in ('configs', 'model-index.yml', 'tools'):
        assert osp.islink(osp.join(mim, name))
        assert osp.samefile(osp.join(mim, name), osp.join(builds.src, name))
    with open(osp.join(builds.src, '.gitignore')) as f:
        assert 'mote_mmaction/.mim/' in f.read().split()
    # mim and mmengine find a package at <dist location>/<top_level.txt>.
    info, = glob.glob(osp.join(editable.site, '*.dist-info'))
    with open(osp.join(info, 'top_level.txt')) as f:
        assert f.read().split() == [
            osp.join(builds.src, 'mote_mmaction'), 'mote_mmaction']
    # A wheel built in a checkout with those links ships .mim once, and the
    # links stay.
    out = str(builds.tmp / 'wheel_after_editable')
    pip('wheel', builds.src, '-w', out)
    wheel, = glob.glob(osp.join(out, '*.whl'))
    assert mim_names(wheel) == mim_names(builds.wheel)
    assert osp.islink(osp.join(mim, 'configs'))


# Prints what mim resolves for mote_mmaction, with mim's subprocesses
# recorded instead of run; argv: site folders to add first.
MIM_PROBE = r'''
import json, site, subprocess, sys
for path in sys.argv[1:]:
    site.addsitedir(path)
from mim.commands.list import list_package
from mim.commands.search import get_model_info
from mim.commands.test import test
from mim.commands.train import train
from mim.utils import get_installed_path
calls = []
subprocess.check_call = lambda cmd, **kw: calls.append(cmd) or 0
subprocess.check_output = lambda cmd, **kw: b''
assert train('mote_mmaction', 'k400.py', gpus=0)[0]
assert test('mote_mmaction', 'k400.py', 'c.pth', gpus=0)[0]
models = get_model_info('mote_mmaction', to_dict=True)
print(json.dumps(dict(
    listed=[p[0] for p in list_package()],
    path=get_installed_path('mote_mmaction'), train=calls[0],
    test=calls[1], models=sorted(models))))
'''


def mim_probe(tmp_path, *sites: str) -> dict:
    probe = tmp_path / 'mim_probe.py'
    probe.write_text(MIM_PROBE)
    # -S: only the given sites (the first wins), not this venv's own
    # editable mote_mmaction before them; the cwd is not a checkout.
    flags = ['-S'] if sites else []
    res = run([sys.executable, *flags, str(probe), *sites], cwd=str(tmp_path))
    return json.loads(res.stdout.strip().splitlines()[-1])


def check_mim(found: dict, pkg_dir: str, configs: str, tools: str) -> None:
    assert 'mote-mmaction' in found['listed']
    assert found['path'] == pkg_dir
    assert 'mote_vit-b16-clip-pre_8xb24-u8-30e_kinetics400-rgb' in \
        found['models']
    k400 = osp.realpath(osp.join(configs, 'mote', 'k400.py'))
    train, test = found['train'], found['test']
    assert train[:3] == [sys.executable, osp.join(tools, 'train.py'), k400]
    assert test[:4] == [sys.executable, osp.join(tools, 'test.py'), k400,
                        'c.pth']


@pytest.mark.parametrize('kind', ['venv', 'editable', 'wheel'])
def test_mim_finds_the_package(kind, builds, editable, tmp_path):
    """``mim list/search/train/test mote_mmaction`` for this venv's
    editable install, a fresh editable one and ``pip install .``: the
    configs and tools they run are the install's own."""
    if kind == 'venv':
        pkg = osp.join(REPO, 'mote_mmaction')
        check_mim(mim_probe(tmp_path), pkg, osp.join(REPO, 'configs'),
                  osp.join(pkg, '.mim', 'tools'))
    elif kind == 'editable':
        pkg = osp.join(builds.src, 'mote_mmaction')
        check_mim(mim_probe(tmp_path, editable.site, PURELIB), pkg,
                  osp.join(builds.src, 'configs'),
                  osp.join(pkg, '.mim', 'tools'))
    else:
        pkg = osp.join(builds.site, 'mote_mmaction')
        check_mim(mim_probe(tmp_path, builds.site, PURELIB), pkg,
                  osp.join(pkg, '.mim', 'configs'),
                  osp.join(pkg, '.mim', 'tools'))


def over_venv(root: str, site: str) -> str:
    """A pip-less venv in ``root`` that sees the install in ``site`` (its
    ``.pth`` files run, as in a site-packages), then this venv's
    site-packages for the dependencies: the install's own interpreter, for
    mim and the scripts mim starts. Returns its python."""
    import venv
    venv.create(root, with_pip=False)
    purelib = sysconfig.get_path(
        'purelib', vars=dict(base=root, platbase=root))
    # .pth files run in name order: the install's dist-info and editable
    # finder come before those of this venv's editable checkout.
    for name, path in (('0_install', site), ('1_deps', PURELIB)):
        with open(osp.join(purelib, name + '.pth'), 'w') as f:
            f.write(f'import site; site.addsitedir({path!r})\n')
    return osp.join(root, 'bin', 'python')


@contextlib.contextmanager
def record_imports(pkg_dir: str, marker: str):
    """Make the package in ``pkg_dir`` append its ``__file__`` to
    ``marker`` whenever a process imports it; restored afterwards."""
    init = osp.join(pkg_dir, '__init__.py')
    with open(init) as f:
        original = f.read()
    try:
        with open(init, 'a') as f:
            f.write(f'\nopen({marker!r}, "a").write(__file__ + "\\n")\n')
        yield
    finally:
        with open(init, 'w') as f:
            f.write(original)


def tiny_mote_config(root: str) -> str:
    """A tiny MoTE config (64-d CLIP, random weights, no weights file) on
    generated motion clips (2 classes x 2 clips per split), in ``root``."""
    from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline
    from mote_mmaction.testing.synthetic_videos import generate_motion_dataset
    classes = ['moving left', 'moving right']
    for split, seed in (('train', 0), ('val', 1)):
        generate_motion_dataset(root, classes, 2, split, seed=seed,
                                num_frames=8, size=(32, 32))

    def loader(split: str, test_mode: bool) -> dict:
        return dict(
            batch_size=2,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=not test_mode),
            dataset=dict(
                type='MoTEVideoDataset',
                ann_file=osp.join(root, f'{split}.txt'),
                data_prefix=dict(video=root),
                class_names=osp.join(root, 'train_classes.txt'),
                pipeline=tiny_video_pipeline(test_mode=test_mode),
                test_mode=test_mode))

    cfg = dict(
        default_scope='mmaction',
        custom_imports=dict(
            imports=['mote_mmaction'], allow_failed_imports=False),
        model=tiny_mote_model_cfg(classes, num_layers=1),
        train_dataloader=loader('train', False),
        test_dataloader=loader('val', True),
        test_evaluator=dict(type='AccMetric'),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=1),
        test_cfg=dict(type='TestLoop'),
        custom_hooks=[dict(type='MoTERoutingStepHook')],
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        default_hooks=dict(
            checkpoint=dict(
                type='CheckpointHook', interval=1, by_epoch=False)),
        log_level='WARNING')
    path = osp.join(root, 'tiny_mote.py')
    Config(cfg).dump(path)
    return path


def test_mim_train_and_test_run_mote(builds, editable, tmp_path):
    """``mim train`` of a tiny MoTE config after ``pip install -e .``, then
    ``mim test`` of its checkpoint after ``pip install .``, on CPU from a
    folder that is not a checkout: each runs its install's ``.mim/tools``
    with its install's package, and test logs the top-1 of what it
    predicted. (Every command for every install: test_mim_finds_the_package;
    the tools themselves: tests/tools/test_train_test_tools.py.)"""
    data = tmp_path / 'data'
    data.mkdir()
    cfg = tiny_mote_config(str(data))
    work, dump = str(tmp_path / 'work'), str(tmp_path / 'preds.pkl')
    marker = str(tmp_path / 'imported_from')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    editable_pkg = osp.join(builds.src, 'mote_mmaction')
    with record_imports(editable_pkg, marker):
        python = over_venv(str(tmp_path / 'venv_e'), editable.site)
        res = run([python, '-m', 'mim', 'train', 'mote_mmaction', cfg,
                   '--gpus', '0', '--work-dir', work, '--no-validate'],
                  cwd=str(tmp_path), env=env)
    assert osp.join(editable_pkg, '.mim', 'tools', 'train.py') in res.stdout
    ckpt = osp.join(work, 'iter_1.pth')
    assert osp.isfile(ckpt)  # complete: test.py fails on a partial one
    installed_pkg = osp.join(builds.site, 'mote_mmaction')
    with record_imports(installed_pkg, marker):
        python = over_venv(str(tmp_path / 'venv_i'), builds.site)
        res = run([python, '-m', 'mim', 'test', 'mote_mmaction', cfg,
                   '--checkpoint', ckpt, '--work-dir', work, '--dump', dump],
                  cwd=str(tmp_path), env=env)
    assert osp.join(installed_pkg, '.mim', 'tools', 'test.py') in res.stdout
    with open(marker) as f:
        # mim itself imports neither, nor does the `train.py -h` it runs
        # first (tools/_launch.py loads the stack after parsing)
        assert f.read().split() == [
            osp.join(editable_pkg, '__init__.py'),
            osp.join(installed_pkg, '__init__.py')]
    # The metric test.py's LoggerHook wrote is the top-1 of the
    # predictions it dumped (all 4 val clips).
    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 4
    top1 = sum(int(p['pred_score'].argmax()) == int(p['gt_label'])
               for p in preds) / len(preds)
    logged = []
    for path in glob.glob(osp.join(work, '*', '*.json')):
        with open(path) as f:
            logged += [json.loads(line) for line in f]
    tested = [m for m in logged if 'acc/top1' in m]
    assert len(tested) == 1 and tested[0]['acc/top1'] == pytest.approx(top1)


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
