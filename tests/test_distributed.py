# Copyright (c) OpenMMLab. All rights reserved.
"""2-process CPU (gloo) training of MoTE with find_unused_parameters=False."""
import json
import pickle

import pytest
import torch
from _torchrun import run_ranks

from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('ddp'))
    classes = list(MOTION_CLASSES[:3])
    generate_motion_dataset(root, classes, 4, 'train', seed=0)
    ann, _ = generate_motion_dataset(root, classes, 2, 'val', seed=1)
    lines = open(ann).read().splitlines()[:5]  # odd: the sampler pads
    with open(ann, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return root


@pytest.fixture(scope='module')
def ddp_runs(data_root, tmp_path_factory):
    """Both routing modes, trained in one 2-process launch."""
    out = tmp_path_factory.mktemp('ddp_runs')
    run_ranks('tests/_ddp_worker.py', data_root, out, '1,0')
    return out


@pytest.mark.parametrize('sync', [True, False])
def test_gloo_training_without_unused_parameter_search(ddp_runs, sync):
    out = ddp_runs / f'sync{int(sync)}'
    states = [torch.load(str(out / f'state_rank{r}.pth')) for r in (0, 1)]
    draws = [json.loads((out / f'draws_rank{r}.json').read_text())
             for r in (0, 1)]
    assert len(draws[0]) == 3  # one draw per training step
    if sync:
        assert draws[0] == draws[1]
    else:  # per-rank draws (the authors' behaviour), seeded by rank
        assert draws[0] != draws[1]
    # DDP keeps the replicas identical in both modes
    for k in states[0]:
        assert torch.equal(states[0][k], states[1][k]), k
    # validation counted each of the 5 videos once (padding dropped)
    with open(out / 'val_dump.pkl', 'rb') as f:
        dumped = pickle.load(f)
    assert len(dumped) == 5
