# Shared settings of the base-to-novel configs (the protocol of ViFi-CLIP
# and FROSTER): classes in a base and a novel half, K=16 shots per base
# class, 3 seeds, test on each half, harmonic mean. Training follows the
# few-shot recipe (_fewshot_base.py: from CLIP, K-shot set repeated, 10
# epochs, one test view). Not a runnable config: base2novel_{k400,hmdb51,
# ucf101,sthv2}.py set the data files. Lists and class files:
#   python tools/data/protocols/make_base2novel_split.py TRAIN TEST NAMES ..
# The test set's `split` is the half: --cfg-options \
#   test_dataloader.dataset.split=novel
_base_ = ['./_fewshot_base.py']

# seeds 1-3 pick the base half's K-shot draw (the training `split`)
train_dataloader = dict(dataset=dict(dataset=dict(split='seed1')))
# val and test score the base half; MoTEZeroShotEvalHook scores the novel
# half (the same files, split='novel') with this loader at each validation
# (a config adds the files and the hook)
val_dataloader = dict(dataset=dict(split='base'))
test_dataloader = dict(dataset=dict(split='base'))
novel_dataloader = dict(
    batch_size=24,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='MoTEVideoDataset',
        split='novel',
        pipeline={{_base_.val_pipeline}},
        test_mode=True))
