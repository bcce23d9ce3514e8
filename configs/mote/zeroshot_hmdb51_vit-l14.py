# Zero-shot HMDB-51 with the CLIP ViT-L/14 MoTE model (8 frames), as the
# authors' zero-shot configs. Splits, views and TFM: zeroshot_hmdb51.py.
# tools/test.py configs/mote/zeroshot_hmdb51_vit-l14.py CKPT
_base_ = ['./zeroshot_hmdb51.py', './_vit-l14_model.py']

model = {{_base_.vit_l14_model}}
