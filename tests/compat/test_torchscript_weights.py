# Copyright (c) OpenMMLab. All rights reserved.
"""``read_torchscript_state_dict``: exactly ``torch.jit.load``'s state
dict, read without running anything from the archive (the CLIP loading
paths that use it: tests/utils/test_safe_load.py)."""
import pytest
import torch
from _payloads import RestoresWithCode, ran, torchscript_with_payload
from open_clip.model import CLIP

from mote_mmaction.testing import tiny_clip_arch
from mote_mmaction.compat.torchscript_weights import \
    read_torchscript_state_dict


@pytest.fixture(scope='module')
def scripted(tmp_path_factory):
    """A tiny CLIP saved with ``torch.jit.script(...).save``."""
    arch = tiny_clip_arch()
    torch.manual_seed(0)
    clip = CLIP(arch['embed_dim'], arch['vision_cfg'], arch['text_cfg'],
                quick_gelu=True)
    path = str(tmp_path_factory.mktemp('torchscript') / 'ViT-tiny.pt')
    torch.jit.script(clip).save(path)
    return path


def test_reader_gives_torch_jit_load_state_dict(scripted):
    ours = read_torchscript_state_dict(scripted)
    ref = torch.jit.load(scripted).state_dict()
    assert list(ours) == list(ref)
    assert all(torch.equal(ours[k], ref[k]) for k in ref)


def test_payload_is_refused_without_running(scripted, tmp_path):
    marker = str(tmp_path / 'marker')
    evil = torchscript_with_payload(scripted, str(tmp_path / 'evil.pt'),
                                    marker)
    with pytest.raises(ValueError,
                       match=r'`__builtin__\.exec` is not allowed'):
        read_torchscript_state_dict(evil)
    assert not ran(marker)


def test_modules_that_restore_themselves_with_code_are_refused(tmp_path):
    path = str(tmp_path / 'restoring.pt')
    torch.jit.script(RestoresWithCode()).save(path)
    with pytest.raises(ValueError, match='scripted __setstate__'):
        read_torchscript_state_dict(path)


def test_not_an_archive_is_a_clear_error(tmp_path):
    import zipfile
    path = str(tmp_path / 'plain.zip')
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr('weights.bin', b'x')
    with pytest.raises(ValueError, match='not a TorchScript archive'):
        read_torchscript_state_dict(path)
