# Runtime defaults of the plugin's configs (MMAction2's, without the
# `mmaction::` base, which needs pkg_resources).
default_scope = 'mmaction'
custom_imports = dict(imports=['mote_mmaction'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # CheckpointHook that never deletes or truncates the last complete
    # checkpoint before the next one is complete (crash-safe auto-resume)
    checkpoint=dict(
        type='MoTECheckpointHook', interval=1, save_best='auto',
        max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # a resumed epoch continues after the checkpoint's batches, with the
    # checkpoint's sampler seed
    resume=dict(type='MoTEResumeHook'),
    # MoTE's expert draws are keyed on runner.iter (exact on resume)
    routing_step=dict(type='MoTERoutingStepHook'),
    sync_buffers=dict(type='SyncBuffersHook'),
    # NaN/inf class scores stop val and test (Runner.val/test and every
    # tool built on them), naming the first videos
    score_check=dict(type='MoTEScoreCheckHook'),
    # one training run per work dir (a second one stops at start-up)
    work_dir_lock=dict(type='MoTEWorkDirLockHook'),
    # TFM's rho (mean/min/max of the first batch) once per vocabulary
    tfm_log=dict(type='MoTETFMLogHook'))

# MoTE's hooks (mote_mmaction/engine/hooks), written once here. MMEngine
# replaces a list on inheritance instead of merging it, so a config that
# adds or drops one builds its list from this one in Python, e.g.
#   custom_hooks = _base_.custom_hooks + [dict(type='MoTEZeroShotEvalHook')]
custom_hooks = [
    dict(type='MoTEVocabularyHook'),
    dict(type='MoTEBadVideoReportHook'),
    dict(type='MoTENaNGuardHook'),
    dict(type='MoTEClassCheckHook'),
    dict(type='MoTEMergedExportHook'),
    dict(type='MoTECLIPBlendHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

# Scalars go to <work_dir>/<timestamp>/vis_data/scalars.json (read by
# tools/analysis/plot_tradeoff.py). TensorBoard as well (`pip install
# "mote_mmaction[plot]"`): add dict(type='TensorboardVisBackend') to this
# list in your config, as configs/mote/k400_tensorboard.py does.
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
