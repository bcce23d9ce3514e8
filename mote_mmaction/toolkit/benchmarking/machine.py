# Copyright (c) OpenMMLab. All rights reserved.
"""The machine, software versions and git state a result was measured with.
"""
import os
import os.path as osp
import platform
import subprocess
from typing import Dict, Optional

import torch

# The folder holding the package: the source checkout, or site-packages.
REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


#: ``collect_env`` entries left out of a result: long or not a version.
_ENV_SKIPPED = ('PyTorch compiling details', 'numpy_random_seed')


def software_versions() -> Dict[str, str]:
    """MMEngine's ``collect_env`` (Python, PyTorch, TorchVision, OpenCV,
    MMEngine, CUDA, GCC, GPUs) as strings, plus the versions of the
    packages it does not name."""
    from mmengine.utils.dl_utils import collect_env
    out = {k: str(v) for k, v in collect_env().items()
           if k not in _ENV_SKIPPED}
    for mod in ('mmaction', 'mmcv', 'open_clip', 'numpy', 'decord', 'av',
                'torchcodec'):
        try:
            out[mod] = str(__import__(mod).__version__)
        except Exception:  # noqa: BLE001 (optional packages)
            pass
    return out


def machine_info(device: str) -> Dict:
    info: Dict = dict(
        platform=platform.platform(), machine=platform.machine(),
        cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads())
    try:
        info['loadavg_1m'] = round(os.getloadavg()[0], 2)
    except OSError:
        pass
    try:
        info['cpu_affinity'] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        with open('/proc/cpuinfo') as f:
            names = [ln.split(':', 1)[1].strip() for ln in f
                     if ln.startswith('model name')]
        if names:
            info['cpu_model'] = names[0]
        mem = _meminfo_kb('MemTotal')
        if mem:
            info['mem_total_gb'] = round(mem / 2**20, 1)
    except OSError:
        pass
    if device == 'cuda':
        prop = torch.cuda.get_device_properties(0)
        info.update(
            gpu=prop.name, gpu_mem_gb=round(prop.total_memory / 2**30, 1),
            gpu_capability=f'{prop.major}.{prop.minor}',
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version())
    return info


def _meminfo_kb(key: str) -> Optional[int]:
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return None


def git_state() -> Dict:
    try:
        rev = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                             cwd=REPO, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(['git', 'status', '--porcelain'], cwd=REPO,
                               capture_output=True, text=True, timeout=10)
        if rev.returncode == 0:
            return dict(commit=rev.stdout.strip(),
                        dirty=bool(dirty.stdout.strip()))
    except (OSError, subprocess.SubprocessError):
        pass
    return {}
