# MoTE, CLIP ViT-L/14, 8 frames x 224 px, Kinetics-400: 6 temporal layers,
# CLIP lr ratio 0.06, 20 epochs, total batch 144 (8 GPUs x 18).
_base_ = ['./k400.py', './_vit-l14_model.py']

model = {{_base_.vit_l14_model}}

optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=0.06),
        'logit_scale': dict(lr_mult=0.06)
    }))
train_cfg = dict(max_epochs=20)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-8,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=0,
        by_epoch=True,
        begin=5,
        end=20,
        T_max=15,
        convert_to_iter_based=True)
]
train_dataloader = dict(batch_size=18)
val_dataloader = dict(batch_size=18)
auto_scale_lr = dict(base_batch_size=144)
