# Shared settings of the few-shot configs (MoTE paper Table 5, Sec. 4.4):
# start from the CLIP weights (no K400 checkpoint), the K-shot set repeated
# to the full training set's length each epoch (MoTERepeatToLength), 10
# epochs, one test view (1 clip x 1 centre crop). Not a runnable config:
# fewshot_{ucf101,hmdb51,sthv2}.py set the data files. Lists:
#   python tools/data/protocols/make_fewshot_lists.py TRAIN_LIST --out-dir ..
_base_ = ['./k400.py']

load_from = None  # the backbone and text encoder load CLIP (pretrained=)

# The paper gives the epochs only; the warm-up length is our choice, in the
# proportion of the 30-epoch recipe (5 of 30).
max_epochs = 10
warmup_epochs = 2
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-8, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, T_max=max_epochs - warmup_epochs,
         convert_to_iter_based=True)
]
# one view: MoTETestSample 1 clip, MoTETestCrop 1 crop (k400.py's val views)
test_pipeline = {{_base_.val_pipeline}}
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

# The K-shot set repeated to `length` (the full training list's length).
# A config sets `length` and the files: this file cannot, as MMEngine
# evaluates each file on its own (no variable of a derived file reaches it).
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MoTERepeatToLength',
        dataset=dict(
            type='MoTEVideoDataset',
            split='k16_seed1',
            pipeline={{_base_.train_pipeline}})))
