"""Chapter 0's claim: the released embeddings show a gap, at random initialisation too."""

from __future__ import annotations

from .common import RANDOM_INIT_GAP
from .ledger import Check, Claim, Equivalence, named


def _released(seed, device) -> dict:
    from .. import data, metrics

    images, texts = data.load_released_features("clip")
    random_images, random_texts = data.load_released_features("clip_random")
    return {"gap_clip": metrics.modality_gap(images, texts),
            "gap_clip_random": metrics.modality_gap(random_images, random_texts)}


#: The claims of this chapter, in the order the book makes them.
CLAIMS = (
    Claim("released.gap", "0",
          "CLIP's released MSCOCO embeddings keep images and captions apart, and so does a randomly "
          "initialised CLIP.",
          "Liang et al. 2022: gap 0.82 (0.8221; pretrained CLIP ViT-B/32, 5,000 MSCOCO validation pairs); "
          "1.1891 ± 0.0017 at random initialisation",
          _released,
          (Check("gap of CLIP", named("gap_clip"), ">=", 0.5, paper=0.8221),
           Equivalence("random CLIP gap − 1.1891", lambda v: v["gap_clip_random"] - RANDOM_INIT_GAP, 0.1)),
          ("gap_clip", "gap_clip_random"),
          note="Deterministic (released features): the same for every seed. The released files hold 500 pairs "
               "embedded by CLIP ViT-B/16 (the authors' Figure_1_Modality_Gap/repr_clip.ipynb loads ViT-B/16), "
               "the paper's 0.82 is ViT-B/32 on 5,000 pairs, so the two differ by model and sample; the "
               "released random-init gap (1.136) is checked against the paper's own random-initialisation "
               "figure, not against itself.",
          source="0.8221: printed by the authors' Figure_3_Contrastive_Learning/plot_optimization_exp.ipynb (cell 3, "
                 "'Euclidean distance between mass centers', on the 5,000 MSCOCO validation pairs of its feature "
                 "dump) and drawn as the vertical line of its loss-vs-shift plot (cell 6), the embedding-shift "
                 "experiment of Sec. 4.2; one run, no ±. The model is CLIP ViT-B/32 by the evidence: Table 2 "
                 "names 'CLIP (ViT-B/32)', and the authors' Table_2_Implications_CLIP_Fairness/"
                 "shift_CLIP_FairFace_Bias.ipynb loads ViT-B/32 with the gap vector saved from that dump. (The "
                 "0.8262 of Table_1_Implications_CLIP_Zero_Shot/shifting/shift_features.ipynb, cell 12, is an "
                 "unlabelled horizontal line on another plot.) 1.1891 ± 0.0017: Sec. 4.4, original CLIP "
                 "initialisation, ± = 95 % interval over 3 seeds (per-seed values in util/gap_amend_std.ipynb)."),
)
