# Copyright (c) OpenMMLab. All rights reserved.
"""tools/train.py's console leaves out MMEngine's start-up dumps
(environment, config, hook order, per-parameter optimizer options: ~590
lines before the demo config's first iteration); the log file keeps
them."""
import glob
import os.path as osp

from mmengine.runner import Runner

from mote_mmaction.compat.launch import console_without_startup_dumps

DUMPS = ('System environment:', 'Config:', 'Hooks will be executed',
         'paramwise_options -- ')


def test_console_without_startup_dumps(motion_train_cfg, tmp_path, capsys):
    cfg = motion_train_cfg(
        1, log_level='INFO',
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        optim_wrapper=dict(
            optimizer=dict(type='AdamW', lr=1e-3),
            paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)})))
    capsys.readouterr()
    with console_without_startup_dumps(cfg):
        runner = Runner.from_cfg(cfg)
    runner.train()
    console = capsys.readouterr().out.splitlines()
    first = next(i for i, line in enumerate(console) if '(train)' in line)
    assert not [line for line in console if any(d in line for d in DUMPS)]
    log_file = glob.glob(osp.join(str(tmp_path), '*', '*.log'))[0]
    assert any(f'dumps are in {log_file}' in line for line in console[:first])
    assert first <= 10, console[:first]
    log = open(log_file).read()
    for dump in DUMPS:  # all of it in the file
        assert dump in log, dump
    assert log.count('paramwise_options -- ') >= 10


def test_debug_keeps_the_dumps(motion_train_cfg, capsys):
    cfg = motion_train_cfg(1, log_level='DEBUG')
    capsys.readouterr()
    with console_without_startup_dumps(cfg):
        Runner.from_cfg(cfg)
    assert 'Config:' in capsys.readouterr().out
