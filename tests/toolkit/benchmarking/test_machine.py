# Copyright (c) OpenMMLab. All rights reserved.
"""toolkit.benchmarking.machine: the description of the machine, the
software versions and the git state stored with every result."""
import json
import os
import os.path as osp
import platform
import subprocess
import types

import mmaction
import mmengine
import numpy
import torch

from mote_mmaction.toolkit.benchmarking import machine


def test_repo_is_the_folder_holding_the_package():
    assert osp.isfile(
        osp.join(machine.REPO, 'mote_mmaction', 'toolkit', 'benchmarking',
                 'machine.py'))


def test_software_versions():
    """MMEngine's collect_env as strings (without the build details and
    the seed) plus the packages it does not name."""
    v = machine.software_versions()
    assert v['PyTorch'] == torch.__version__
    assert v['Python'].startswith(platform.python_version())
    assert v['MMEngine'] == mmengine.__version__
    assert v['numpy'] == numpy.__version__
    assert v['mmaction'] == mmaction.__version__
    assert 'PyTorch compiling details' not in v
    assert 'numpy_random_seed' not in v
    assert all(isinstance(x, str) for x in v.values())
    json.dumps(v)  # goes into the result JSON as it is


def _first_proc_value(path, prefix):
    with open(path) as f:
        for line in f:
            if line.startswith(prefix):
                return line.split(':', 1)[1].strip()
    return None


def test_machine_info_cpu():
    """Core counts, threads and (Linux) the CPU model and memory, read
    here independently; no GPU fields for a CPU run."""
    info = machine.machine_info('cpu')
    assert info['platform'] == platform.platform()
    assert info['machine'] == platform.machine()
    assert info['cpu_count'] == os.cpu_count()
    assert info['torch_threads'] == torch.get_num_threads()
    if hasattr(os, 'sched_getaffinity'):
        assert info['cpu_affinity'] == len(os.sched_getaffinity(0))
    if osp.isfile('/proc/meminfo'):
        kb = int(_first_proc_value('/proc/meminfo', 'MemTotal').split()[0])
        assert info['mem_total_gb'] == round(kb / 2**20, 1)
        model = _first_proc_value('/proc/cpuinfo', 'model name')
        assert info.get('cpu_model') == model
    assert not {'gpu', 'gpu_mem_gb', 'cuda'} & set(info)


def test_machine_info_cuda_fields(monkeypatch):
    """The GPU name, memory (GiB, one decimal) and compute capability come
    from the device properties of GPU 0."""
    prop = types.SimpleNamespace(name='Fake GPU',
                                 total_memory=int(79.63 * 2**30), major=9,
                                 minor=0)
    monkeypatch.setattr(machine.torch.cuda, 'get_device_properties',
                        lambda i: prop)
    info = machine.machine_info('cuda')
    assert info['gpu'] == 'Fake GPU'
    assert info['gpu_mem_gb'] == 79.6
    assert info['gpu_capability'] == '9.0'
    assert info['cuda'] == torch.version.cuda
    assert info['cudnn'] == torch.backends.cudnn.version()


def _fake_git(monkeypatch, replies):
    """``machine.subprocess`` whose ``run`` answers ``replies`` by command
    (a reply is a CompletedProcess, or an exception to raise)."""
    calls = []

    def run(cmd, cwd=None, **kwargs):
        calls.append((cmd, cwd))
        reply = replies[cmd[1]]
        if isinstance(reply, Exception):
            raise reply
        return reply

    monkeypatch.setattr(machine, 'subprocess', types.SimpleNamespace(
        run=run, SubprocessError=subprocess.SubprocessError))
    return calls


def _done(returncode, stdout):
    return subprocess.CompletedProcess([], returncode, stdout, '')


def test_git_state_commit_and_dirty(monkeypatch):
    """The short commit of the checkout holding the package, and whether
    ``git status --porcelain`` lists anything."""
    calls = _fake_git(monkeypatch, {'rev-parse': _done(0, 'abc1234\n'),
                                    'status': _done(0, ' M setup.py\n')})
    assert machine.git_state() == dict(commit='abc1234', dirty=True)
    assert calls == [(['git', 'rev-parse', '--short', 'HEAD'], machine.REPO),
                     (['git', 'status', '--porcelain'], machine.REPO)]
    _fake_git(monkeypatch, {'rev-parse': _done(0, 'abc1234\n'),
                            'status': _done(0, '\n')})
    assert machine.git_state() == dict(commit='abc1234', dirty=False)


def test_git_state_outside_git(monkeypatch):
    """Not a checkout (an installed package), no git, or a hung git: an
    empty dict, never an error."""
    _fake_git(monkeypatch, {'rev-parse': _done(128, ''),
                            'status': _done(128, '')})
    assert machine.git_state() == {}
    _fake_git(monkeypatch, {'rev-parse': FileNotFoundError('git'),
                            'status': FileNotFoundError('git')})
    assert machine.git_state() == {}
    _fake_git(monkeypatch, {
        'rev-parse': subprocess.TimeoutExpired('git', 10),
        'status': _done(0, '')
    })
    assert machine.git_state() == {}
