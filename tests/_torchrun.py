# Copyright (c) OpenMMLab. All rights reserved.
"""Run a test worker on several CPU (gloo) ranks with torchrun."""
import os
import os.path as osp
import socket
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def free_port() -> int:
    """A TCP port free on this machine now (for ``--master_port``)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_ranks(worker: str, *args, nproc: int = 2, timeout: int = 600):
    """``torchrun --nproc_per_node=nproc worker *args`` from the repository
    root, one thread per rank; asserts it succeeds, showing the log tail.

    Returns:
        subprocess.CompletedProcess: The finished run.
    """
    res = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run',
         f'--nproc_per_node={nproc}', f'--master_port={free_port()}', worker,
         *map(str, args)],
        cwd=REPO, env=dict(os.environ, OMP_NUM_THREADS='1'),
        capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return res
