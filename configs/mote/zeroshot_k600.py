# Zero-shot Kinetics-600: 3 splits of 160 of the 220 classes not in K400.
# Choose the split with --cfg-options test_dataloader.dataset.split=2
# tools/test.py configs/mote/zeroshot_k600.py CKPT
_base_ = ['./_zeroshot_base.py']

data_root = 'data/kinetics600'
test_dataloader = dict(
    batch_size=4,
    dataset=dict(
        type='MoTEVideoDataset',
        split=1,
        ann_file=data_root + '/k600_zeroshot_split_{split}_videos.txt',
        data_prefix=dict(video=data_root + '/videos_test'),
        class_names=data_root + '/k600_zeroshot_split_{split}_class_names.txt',
        pipeline={{_base_.zeroshot_pipeline}},
        test_mode=True))
