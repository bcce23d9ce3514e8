# The ViT-L/14 form of the MoTE model (6 temporal layers, 768-d), merged
# into a B/16 config's model by `model = {{_base_.vit_l14_model}}`.
# Not a runnable config: k400_vit-l14*.py and zeroshot_*_vit-l14.py use it.
vit_l14_model = dict(
    backbone=dict(arch='ViT-L-14', pretrained='data/clip/ViT-L-14.pt'),
    cls_head=dict(
        in_channels=768,
        num_layers=6,
        text_encoder=dict(
            arch='ViT-L-14', pretrained='data/clip/ViT-L-14.pt')))
