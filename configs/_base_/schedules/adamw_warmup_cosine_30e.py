# MoTE's recipe (mote_reference.md 6.1): AdamW, wd 0.2 on every parameter,
# per-iteration linear warm-up for 5 epochs, then half-cosine to 0.
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=30, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

warmup_epochs = 5
optim_wrapper = dict(
    type='AmpOptimWrapper',
    # bf16 (a deviation: the authors used fp16 + GradScaler, see
    # configs/mote/k400_fp16.py). bf16 needs no loss scaling; a scaler
    # would sync on found_inf each step. Cosine logits are fp32 either way.
    dtype='bfloat16',
    loss_scale=dict(enabled=False),
    optimizer=dict(
        type='AdamW', lr=5e-5, betas=(0.9, 0.999), eps=1e-8,
        weight_decay=0.2),
    # The CLIP side (visual tower and logit_scale) trains at lr x ratio.
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=0.07),
        'logit_scale': dict(lr_mult=0.07)
    }))

param_scheduler = [
    # start_factor must be > 0 for MMEngine's recursive LinearLR; 1e-8 is
    # MoTE's warm-up from 0 to float precision.
    dict(
        type='LinearLR',
        start_factor=1e-8,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=0,
        by_epoch=True,
        begin=warmup_epochs,
        end=30,
        T_max=30 - warmup_epochs,
        convert_to_iter_based=True)
]

# 8 GPUs x 24 clips; `--auto-scale-lr` rescales lr for other batch sizes.
auto_scale_lr = dict(enable=False, base_batch_size=192)
