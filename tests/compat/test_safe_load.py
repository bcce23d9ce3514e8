# Copyright (c) OpenMMLab. All rights reserved.
"""No load path runs code from a checkpoint unless the user trusts the file.

Each crafted file carries a ``__reduce__`` payload that writes a marker
file when fully unpickled (tests/_payloads.py); every path must refuse it
with one clear error and leave no marker, and the documented opt-in must
load it.
"""
import os.path as osp
import re

import pytest
import torch
from _inprocess_tools import run_tool_inprocess
from _official_ckpt import official_checkpoint
from _payloads import (RestoresWithCode, ran, save_with_payload,
                       torchscript_with_payload)
from mmaction.registry import MODELS
from mmengine.config import Config
from torch import nn

import mote_mmaction  # noqa: F401
from mote_mmaction.compat.safe_load import (TRUSTED_ENV,
                                            UntrustedCheckpointError)
from mote_mmaction.models.clip_utils import load_clip_state_dict
from mote_mmaction.testing import (tiny_clip_arch, tiny_mote_model_cfg,
                                   tiny_video_pipeline)

CLASSES = ['moving left', 'moving right', 'growing']


def assert_refused(message: str, path: str, marker: str) -> None:
    assert not ran(marker), 'code from the file ran'
    assert path in message and TRUSTED_ENV in message
    # the refused global, named (torch drops its module; protocol-2
    # pickles spell it __builtin__)
    assert re.search(r'`((builtins|__builtin__)\.)?exec`', message), message


@pytest.fixture(autouse=True)
def no_trust(monkeypatch):
    monkeypatch.delenv(TRUSTED_ENV, raising=False)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A tiny MoTE model's state dict and config file (with a test set)."""
    tmp = tmp_path_factory.mktemp('safe_loading')
    from mote_mmaction.testing.synthetic_videos import generate_motion_dataset
    root = str(tmp / 'data')
    ann, names = generate_motion_dataset(root, CLASSES, 1, 'val', seed=3)
    torch.manual_seed(0)
    model = MODELS.build(tiny_mote_model_cfg(CLASSES, num_layers=1))
    model.cls_head.train_table()
    cfg = Config(
        dict(
            default_scope='mmaction',
            custom_imports=dict(imports=['mote_mmaction']),
            model=tiny_mote_model_cfg(CLASSES, num_layers=1),
            test_pipeline=tiny_video_pipeline(),
            test_dataloader=dict(
                batch_size=3, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(type='MoTEVideoDataset', ann_file=ann,
                             data_prefix=dict(video=root), test_mode=True,
                             class_names=CLASSES,
                             pipeline=tiny_video_pipeline())),
            test_evaluator=dict(type='AccMetric'),
            test_cfg=dict(type='TestLoop')))
    cfg_path = str(tmp / 'tiny_cfg.py')
    cfg.dump(cfg_path)
    return dict(state=model.state_dict(), cfg=cfg_path, tmp=tmp,
                video=osp.join(root, open(ann).readline().split()[0]))


def test_mmengine_loader_refuses_a_payload(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    marker = str(tmp_path / 'marker')
    path = save_with_payload({'state_dict': {'w': torch.ones(1)}},
                             str(tmp_path / 'evil.pth'), marker)
    with pytest.raises(UntrustedCheckpointError) as info:
        _load_checkpoint(path, map_location='cpu')
    assert_refused(str(info.value), path, marker)


def test_trusting_a_file_is_the_opt_in(tmp_path, monkeypatch):
    from mmengine.runner.checkpoint import _load_checkpoint
    marker = str(tmp_path / 'marker')
    path = save_with_payload({'state_dict': {'w': torch.ones(1)}},
                             str(tmp_path / 'evil.pth'), marker)
    other = str(tmp_path / 'other.pth')
    monkeypatch.setenv(TRUSTED_ENV, other)  # trusting another file
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(path, map_location='cpu')
    assert not ran(marker)
    monkeypatch.setenv(TRUSTED_ENV, osp.pathsep.join([other, path]))
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ran(marker)  # full unpickling, as the user asked
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(1))


def test_runner_resume_and_load_from_refuse_a_payload(tmp_path):
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            return self.fc(inputs)

    marker = str(tmp_path / 'marker')
    path = save_with_payload({'state_dict': Toy().state_dict()},
                             str(tmp_path / 'evil.pth'), marker)
    runner = Runner(model=Toy(), work_dir=str(tmp_path / 'work'),
                    default_scope='mmaction')
    with pytest.raises(UntrustedCheckpointError) as info:
        runner.resume(path)
    assert_refused(str(info.value), path, marker)
    with pytest.raises(UntrustedCheckpointError):
        runner.load_checkpoint(path)
    assert not ran(marker)


def test_init_recognizer_refuses_a_payload(tiny, tmp_path):
    from mmaction.apis import init_recognizer
    marker = str(tmp_path / 'marker')
    path = save_with_payload({'state_dict': tiny['state']},
                             str(tmp_path / 'evil.pth'), marker)
    with pytest.raises(UntrustedCheckpointError) as info:
        init_recognizer(tiny['cfg'], path, device='cpu')
    assert_refused(str(info.value), path, marker)


def test_clip_files_load_without_running_code(tmp_path, monkeypatch):
    from open_clip.model import CLIP
    arch = tiny_clip_arch()
    clip = CLIP(arch['embed_dim'], arch['vision_cfg'], arch['text_cfg'],
                quick_gelu=True)
    scripted = str(tmp_path / 'ViT-tiny.pt')
    torch.jit.script(clip).save(scripted)
    marker = str(tmp_path / 'marker')
    cases = [
        save_with_payload({'state_dict': clip.state_dict()},
                          str(tmp_path / 'state.pt'), marker),
        torchscript_with_payload(scripted, str(tmp_path / 'ts_evil.pt'),
                                 marker),
    ]
    for path in cases:
        with pytest.raises(UntrustedCheckpointError) as info:
            load_clip_state_dict(path)
        assert_refused(str(info.value), path, marker)

    # an archive whose modules restore themselves with code
    restoring = str(tmp_path / 'restoring.pt')
    torch.jit.script(RestoresWithCode()).save(restoring)
    assert torch.equal(torch.jit.load(restoring).w, torch.full((2, ), 2.))
    with pytest.raises(UntrustedCheckpointError, match='__setstate__'):
        load_clip_state_dict(restoring)
    monkeypatch.setenv(TRUSTED_ENV, restoring)
    # trusted: torch.jit.load reads it (not a CLIP, which is the next check)
    with pytest.raises(KeyError, match='not a CLIP checkpoint'):
        load_clip_state_dict(restoring)


@pytest.mark.parametrize('tool', ['test', 'demo', 'convert', 'convert_clip',
                                  'merge'])
def test_tools_refuse_a_payload(tiny, tmp_path, tool):
    marker = str(tmp_path / 'marker')
    evil = str(tmp_path / 'evil.pth')
    out = str(tmp_path / 'out.pth')
    if tool in ('test', 'demo', 'merge'):
        save_with_payload({'state_dict': tiny['state']}, evil, marker)
    if tool == 'test':
        args = ['tools/test.py', tiny['cfg'], evil, '--work-dir',
                str(tmp_path / 'work')]
    elif tool == 'demo':
        args = ['tools/demo/demo_video.py', tiny['cfg'], evil, tiny['video'],
                '--labels', 'a,b']
    elif tool == 'merge':
        args = ['tools/merge_experts.py', evil, out]
    else:
        ckpt, clip = official_checkpoint()
        src = str(tmp_path / 'MoTE_tiny.pt')
        if tool == 'convert':
            save_with_payload(ckpt, src, marker, where='optimizer_state_dict')
            args = ['tools/convert_official_ckpt.py', src, out]
        else:
            torch.save(ckpt, src)
            save_with_payload(clip.state_dict(), evil, marker)
            args = ['tools/convert_official_ckpt.py', src, out, '--clip',
                    evil, '--alpha', '0.99']
    failed, message = run_tool_inprocess(*args)
    assert failed
    assert 'refusing to load' in message, message
    assert_refused(message, evil if tool != 'convert' else src, marker)
    assert not osp.exists(out)
    if tool == 'merge':  # the documented opt-in
        failed, message = run_tool_inprocess(*args, '--trusted-checkpoint',
                                             evil)
        assert not failed, message
        assert ran(marker) and osp.isfile(out)


@pytest.fixture
def http_root(tmp_path):
    """A folder served over HTTP on 127.0.0.1 (a free port), and its URL."""
    import functools
    import http.server
    import threading
    root = tmp_path / 'served'
    root.mkdir()
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()


def test_remote_checkpoints_refuse_a_payload(tiny, tmp_path, http_root):
    """http(s) goes through MMEngine's torch.hub loader (weights_only=False)
    upstream; here every remote load path refuses the payload."""
    from mmaction.apis import init_recognizer
    from mmengine.runner import Runner
    from mmengine.runner.checkpoint import _load_checkpoint
    root, base = http_root
    marker = str(tmp_path / 'marker')
    save_with_payload({'state_dict': tiny['state']}, str(root / 'evil.pth'),
                      marker)
    url = f'{base}/evil.pth'
    with pytest.raises(UntrustedCheckpointError) as info:
        _load_checkpoint(url)
    assert_refused(str(info.value), url, marker)
    with pytest.raises(UntrustedCheckpointError):
        init_recognizer(tiny['cfg'], url, device='cpu')
    cfg = Config.fromfile(tiny['cfg'])
    cfg.work_dir = str(tmp_path / 'work')
    cfg.load_from = url
    runner = Runner.from_cfg(cfg)
    with pytest.raises(UntrustedCheckpointError):
        runner.load_or_resume()
    with pytest.raises(UntrustedCheckpointError):
        runner.resume(url)
    # the schemes that resolve to URLs come through the same loader
    from mmengine.runner import checkpoint as ckpt_mod
    assert ckpt_mod.load_from_http.__module__ == \
        'mote_mmaction.compat.patches'
    assert not ran(marker)


def test_trusted_remote_checkpoint_loads(tiny, tmp_path, http_root,
                                         monkeypatch):
    from mmengine.runner.checkpoint import _load_checkpoint
    root, base = http_root
    marker = str(tmp_path / 'marker')
    save_with_payload({'state_dict': tiny['state']}, str(root / 'ok.pth'),
                      marker)
    url = f'{base}/ok.pth'
    monkeypatch.setenv(TRUSTED_ENV, url)
    assert 'state_dict' in _load_checkpoint(url)
    assert ran(marker)  # the opt-in is real: full unpickling


@pytest.mark.parametrize('tool', ['test', 'merge', 'convert'])
def test_tools_trust_a_url(tiny, tmp_path, http_root, tool):
    """A checkpoint given as an http:// URL: refused while untrusted, run
    with ``--trusted-checkpoint URL`` (the URL as written is the key)."""
    root, base = http_root
    marker = str(tmp_path / 'marker')
    out = str(tmp_path / 'out.pth')
    if tool == 'convert':
        ckpt, _ = official_checkpoint()
        save_with_payload(ckpt, str(root / 'MoTE_tiny.pt'), marker,
                          where='optimizer_state_dict')
        url = f'{base}/MoTE_tiny.pt'
        args = ['tools/convert_official_ckpt.py', url, out]
    else:
        save_with_payload({'state_dict': tiny['state']},
                          str(root / 'evil.pth'), marker)
        url = f'{base}/evil.pth'
        args = (['tools/test.py', tiny['cfg'], url, '--work-dir',
                 str(tmp_path / 'work')] if tool == 'test' else
                ['tools/merge_experts.py', url, out])
    failed, message = run_tool_inprocess(*args)
    assert failed
    assert_refused(message, url, marker)
    failed, message = run_tool_inprocess(*args, '--trusted-checkpoint', url)
    assert not failed, message
    assert ran(marker)
    assert tool == 'test' or osp.isfile(out)


def test_plain_remote_checkpoint_loads(tiny, http_root):
    from mmaction.apis import init_recognizer
    root, base = http_root
    torch.save({'state_dict': tiny['state']}, str(root / 'plain.pth'))
    model = init_recognizer(tiny['cfg'], f'{base}/plain.pth', device='cpu')
    for k, v in model.state_dict().items():
        if k in tiny['state']:
            assert torch.equal(v, tiny['state'][k]), k


@pytest.mark.parametrize('kind,content,match', [
    ('empty', b'', r'is empty \(0 bytes\), not a checkpoint\. Fetch'),
    ('html', b'<!DOCTYPE html><html><body>Sign in</body></html>',
     r'is a web page \(HTML\), not a checkpoint'),
    ('text', b'version https://git-lfs.github.com/spec/v1\n',
     r'is not a PyTorch checkpoint \(it starts with'),
    ('truncated', None, r'truncated or damaged'),
])
def test_damaged_files_are_named_never_trust(tmp_path, kind, content,
                                             match):
    """A damaged file is told to fetch the file again, never to trust it."""
    from mmengine.runner.checkpoint import _load_checkpoint

    from mote_mmaction.compat.safe_load import DamagedCheckpointError
    path = str(tmp_path / f'{kind}.pth')
    if content is None:
        torch.save({'state_dict': {'w': torch.ones(1000)}}, path)
        data = open(path, 'rb').read()
        content = data[:len(data) // 2]
    with open(path, 'wb') as f:
        f.write(content)
    with pytest.raises(DamagedCheckpointError, match=match) as info:
        _load_checkpoint(path)
    assert path in str(info.value)
    assert TRUSTED_ENV not in str(info.value)


def test_a_folder_is_named(tmp_path):
    from mote_mmaction.compat.safe_load import load_checkpoint_file
    with pytest.raises(IsADirectoryError, match='is a folder, not a'):
        load_checkpoint_file(str(tmp_path))


def test_a_load_error_that_is_not_damage_is_not_called_damage(tmp_path,
                                                              monkeypatch):
    """Only torch's words for a cut-short archive make a file "damaged";
    any other error of the load is raised as it is."""
    from mote_mmaction.compat import safe_load
    path = str(tmp_path / 'ok.pth')
    torch.save({'w': torch.ones(2)}, path)

    def fail(*args, **kwargs):
        raise RuntimeError('Attempting to deserialize object on a CUDA '
                           'device but torch.cuda.is_available() is False')

    monkeypatch.setattr(safe_load.torch, 'load', fail)
    with pytest.raises(RuntimeError, match='CUDA device') as info:
        safe_load.load_checkpoint_file(path)
    assert not isinstance(info.value, safe_load.DamagedCheckpointError)
