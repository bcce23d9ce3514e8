# Copyright (c) OpenMMLab. All rights reserved.
"""A checkpoint in the MoTE authors' layout, with random values."""
import torch
import torch.nn.functional as F
from open_clip.model import CLIP

from mote_mmaction.testing import tiny_clip_arch

D, L, N, C = 64, 2, 4, 6


def official_checkpoint(seed=0, prefix='module.'):
    """A checkpoint in the authors' layout, built from the documented key
    list and shapes (mote_reference.md 5.2) with random values."""
    torch.manual_seed(seed)
    arch = tiny_clip_arch()
    clip = CLIP(arch['embed_dim'], arch['vision_cfg'], arch['text_cfg'],
                quick_gelu=True)
    model_sd = {prefix + k: v.clone() for k, v in clip.state_dict().items()
                if k.startswith('visual.')}
    model_sd[prefix + 'logit_scale'] = torch.tensor(4.5)
    fusion = {
        'spe_cls_feature': F.normalize(torch.randn(C, D), dim=-1),
        'frame_position_embeddings.weight': torch.randn(77, D) * 0.02,
    }
    for i in range(L):
        p = f'transformer.resblocks.{i}.'
        fusion[p + 'attn.in_proj_weight'] = torch.randn(3 * D, D) * 0.1
        fusion[p + 'attn.in_proj_bias'] = torch.randn(3 * D) * 0.1
        fusion[p + 'attn.out_proj.weight'] = torch.randn(D, D) * 0.1
        fusion[p + 'attn.out_proj.bias'] = torch.randn(D) * 0.1
        for ln in ('ln_1', 'ln_2'):
            fusion[p + f'{ln}.weight'] = 1 + 0.1 * torch.randn(D)
            fusion[p + f'{ln}.bias'] = 0.1 * torch.randn(D)
        for e in range(N):
            fusion[p + f'mlp.fc_up.{e}.weight'] = torch.randn(4 * D, D) * .1
            fusion[p + f'mlp.fc_up.{e}.bias'] = torch.randn(4 * D) * .1
            fusion[p + f'mlp.fc_dn.{e}.weight'] = torch.randn(D, 4 * D) * .1
            fusion[p + f'mlp.fc_dn.{e}.bias'] = torch.randn(D) * .1
        fusion[p + 'mlp.mote_fusion_weight'] = torch.zeros(N)
    ckpt = dict(epoch=29, model_state_dict=model_sd,
                fusion_model_state_dict=fusion,
                optimizer_state_dict={})
    return ckpt, clip
