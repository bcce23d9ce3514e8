# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis/gpu_bundle.sh (check and offline install of a wheel
bundle) and tools/analysis/gpu_check.sh in its CPU smoke mode.

The wheels are small ones made here (nothing is downloaded); the smoke run
installs such a bundle as its first step, then runs the real-config Runner
step on the tiny config and generated clips (the other steps' code is
tested in tests/benchmarking; the full smoke run takes minutes here).
"""
import base64
import hashlib
import importlib.util
import json
import os
import os.path as osp
import re
import subprocess
import sys
import zipfile

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BUNDLE = osp.join(REPO, 'tools', 'analysis', 'gpu_bundle.sh')
CHECK = osp.join(REPO, 'tools', 'analysis', 'gpu_check.sh')


def make_wheel(folder, project: str, version: str, code: str) -> str:
    """A pure-Python wheel of one module ``project`` (PEP 427 layout)."""
    name = f'{project}-{version}-py3-none-any.whl'
    info = f'{project}-{version}.dist-info'
    files = {
        f'{project}.py': code,
        f'{info}/METADATA': (f'Metadata-Version: 2.1\nName: {project}\n'
                             f'Version: {version}\n'),
        f'{info}/WHEEL': ('Wheel-Version: 1.0\nGenerator: test\n'
                          'Root-Is-Purelib: true\nTag: py3-none-any\n'),
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(
            text.encode()).digest()).rstrip(b'=').decode()
        record.append(f'{path},sha256={digest},{len(text.encode())}')
    files[f'{info}/RECORD'] = '\n'.join(record + [f'{info}/RECORD,,']) + '\n'
    path = osp.join(folder, name)
    with zipfile.ZipFile(path, 'w') as z:
        for member, text in files.items():
            z.writestr(member, text)
    return path


@pytest.fixture
def bundle(tmp_path):
    """Two wheels, a setuptools stand-in and their list file."""
    folder = tmp_path / 'bundle'
    folder.mkdir()
    make_wheel(folder, 'mote_fake_a', '1.0', 'VALUE = "a from the bundle"\n')
    make_wheel(folder, 'mote_fake_b', '2.0', 'VALUE = 2\n')
    make_wheel(folder, 'setuptools', '0.0.1', 'FAKE = True\n')
    listing = tmp_path / 'list.txt'
    listing.write_text('# comment\nmote-fake-a==1.0  # why\n'
                       'mote_fake_b==2.0\nsetuptools==0.0.1\n')
    return folder, listing


def sh(script, *args, env=None, timeout=120):
    return subprocess.run(
        ['bash', script, *map(str, args)], cwd=REPO, capture_output=True,
        text=True, timeout=timeout,
        env=dict(os.environ, PYTHON=sys.executable, **(env or {})))


def test_bundle_check_and_offline_install(bundle, tmp_path):
    folder, listing = bundle
    env = dict(BUNDLE_LIST=str(listing))
    res = sh(BUNDLE, 'check', folder, env=env)
    assert res.returncode == 0, res.stderr
    assert re.search(r'3 wheels, .* MiB \+ working tree .* MiB', res.stdout)

    site = tmp_path / 'site'
    res = sh(BUNDLE, 'install', folder, site, env=env)
    assert res.returncode == 0, res.stderr
    out = subprocess.run(
        [sys.executable, '-c', 'import mote_fake_a, mote_fake_b; '
         'print(mote_fake_a.VALUE, mote_fake_b.VALUE, mote_fake_a.__file__)'],
        capture_output=True, text=True, cwd=str(tmp_path),
        env=dict(os.environ, PYTHONPATH=str(site)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f'a from the bundle 2 {site}')
    # setuptools only where pkg_resources is missing (mmengine needs it)
    has_pkg_resources = importlib.util.find_spec('pkg_resources') is not None
    assert (site / 'setuptools.py').exists() != has_pkg_resources


def test_bundle_errors_name_the_fix(bundle, tmp_path):
    folder, listing = bundle
    env = dict(BUNDLE_LIST=str(listing))
    make_wheel(folder, 'mote_fake_a', '1.1', 'VALUE = "newer"\n')
    res = sh(BUNDLE, 'check', folder, env=env)
    assert res.returncode != 0
    assert 'several versions of: mote-fake-a' in res.stderr
    assert 'download again' in res.stderr

    os.remove(folder / 'mote_fake_a-1.1-py3-none-any.whl')
    os.remove(folder / 'mote_fake_b-2.0-py3-none-any.whl')
    res = sh(BUNDLE, 'install', folder, tmp_path / 'site', env=env)
    assert res.returncode != 0 and not (tmp_path / 'site').exists()
    assert f'missing from {folder}: mote-fake-b' in res.stderr

    make_wheel(folder, 'mote_fake_b', '2.0', 'VALUE = 2\n')
    res = sh(BUNDLE, 'check', folder, env=dict(env, BUNDLE_LIMIT_MIB='0'))
    assert res.returncode != 0 and 'exceed 0 MiB' in res.stderr

    res = sh(BUNDLE, 'check', tmp_path / 'nowhere', env=env)
    assert res.returncode != 0 and 'download' in res.stderr


def test_bundle_list_pins_one_version_each():
    """What the GPU machine lacks, pinned (pip download --no-deps)."""
    with open(osp.join(REPO, 'requirements', 'gpu_bundle.txt')) as f:
        lines = [ln.split('#')[0].strip() for ln in f]
    pins = [ln for ln in lines if ln]
    assert all(re.fullmatch(r'[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.+]*', p)
               for p in pins), pins
    bundle = {p.split('==')[0].lower().replace('_', '-'): p.split('==')[1]
              for p in pins}
    assert len(bundle) == len(pins)
    assert {'mmengine', 'mmcv-lite', 'mmaction2', 'open-clip-torch'} <= \
        set(bundle)
    # the same versions as the verified stack, within the runtime ranges
    from packaging.requirements import Requirement

    def reqs(name):
        with open(osp.join(REPO, 'requirements', name)) as f:
            lines = [ln.split('#')[0].strip() for ln in f]
        return [Requirement(ln) for ln in lines if ln]

    for req in reqs('install.txt'):
        name = req.name.lower().replace('_', '-')
        if name in bundle:
            assert req.specifier.contains(bundle[name]), (str(req), name)
    for req in reqs('runtime.txt'):
        name = req.name.lower().replace('_', '-')
        if name in bundle:
            assert req.specifier.contains(bundle[name]), (str(req), name)


def test_gpu_check_cpu_smoke(bundle, tmp_path):
    """SMOKE=1: the bundle step, then a 2-iteration Runner run of the tiny
    config with DataLoader workers on generated clips; results collected."""
    folder, listing = bundle
    run_dir, out = tmp_path / 'run', tmp_path / 'out'
    res = sh(CHECK, timeout=300, env=dict(
        SMOKE='1', BUNDLE=str(folder), BUNDLE_LIST=str(listing),
        BUNDLE_SITE=str(tmp_path / 'site'), RUN_DIR=str(run_dir),
        OUT=str(out), ONLY='bundle fp16_run', OMP_NUM_THREADS='1',
        PYTHONPATH=os.environ.get('PYTHONPATH', '')))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    steps = (out / 'steps.txt').read_text().split('\n')
    for name in ('bundle', 'fp16_run'):
        assert any(s.startswith(f'{name}: ok in ') for s in steps), \
            res.stdout[-3000:]
    assert (tmp_path / 'site' / 'mote_fake_a.py').exists()
    results = json.loads((out / 'results.json').read_text())
    run = results['fp16_run']
    assert run['ok'] and run['iterations'] == 2 and run['losses_finite']
    assert run['runner'] == 'Runner' and run['workers'] == 2
    # no checkpoint unless asked; the config's merged-model export ran
    assert run['checkpoints'] == ['mote_merged.pth']
    assert (out / 'gpu_check_files.tar.gz').stat().st_size > 0
    assert sorted(os.listdir(out)) == [
        'gpu_check_files.tar.gz', 'results.json', 'steps.txt', 'summary.txt']
