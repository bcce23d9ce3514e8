# configs/mote/k400.py with GPU decoding: the dataloader workers read the
# compressed files, sample the frame indices and draw the augmentations
# (the CPU pipeline's draws, MMAction2's lazy mode); the data preprocessor
# decodes on the GPU with torchcodec (NVDEC) and crops, resizes, flips,
# grayscales and normalises the batch there (docs/data_pipeline.md,
# "GPU decoding"). Needs a CUDA GPU and a CUDA build of torchcodec; on a
# machine without one the model fails to build with that error.
#   tools/dist_train.sh configs/mote/k400_gpu_decode.py 8
_base_ = ['./k400.py']

model = dict(
    data_preprocessor=dict(
        type='MoTEGPUDecodePreprocessor',
        decoder='torchcodec',
        decode_device='cuda'))

train_pipeline = [
    dict(type='MoTEVideoReadBytes', io_backend='disk'),
    dict(type='UniformSample', clip_len={{_base_.num_frames}}, num_clips=1),
    dict(type='Resize', scale=(-1, 256), interpolation='bicubic', lazy=True),
    dict(type='RandomResizedCrop', area_range=(0.08, 1.0), lazy=True),
    dict(type='Resize', scale=(224, 224), keep_ratio=False, lazy=True),
    dict(type='Flip', flip_ratio=0.5, lazy=True),
    dict(type='MoTELazyGrayscale', p=0.2),
    dict(type='MoTEPackVideoBytes')
]
val_pipeline = [
    dict(type='MoTEVideoReadBytes', io_backend='disk'),
    dict(type='MoTETestSample', clip_len={{_base_.num_frames}}, num_clips=1),
    dict(type='MoTEDeferredTestViews', short_side=224, crop_size=224,
         num_crops=1),
    dict(type='MoTEPackVideoBytes')
]
test_pipeline = [
    dict(type='MoTEVideoReadBytes', io_backend='disk'),
    dict(type='MoTETestSample', clip_len={{_base_.num_frames}}, num_clips=4),
    dict(type='MoTEDeferredTestViews', short_side=224, crop_size=224,
         num_crops=3),
    dict(type='MoTEPackVideoBytes')
]

# Workers only read files and parse headers: a few keep up.
train_dataloader = dict(
    num_workers=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=4, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(num_workers=4, dataset=dict(pipeline=test_pipeline))
