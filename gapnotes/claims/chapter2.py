"""Chapter 2's claims: temperature, the amended initialisation and information imbalance."""

from __future__ import annotations

import numpy as np

from . import common
from .ledger import Check, Claim, difference

TEMPERATURES = {"1/100": 0.01, "1/50": 0.02, "1/10": 0.1, "1": 1.0}


def _temperature_configs(seed):
    return [common.base_config().replace(seed=seed, temperature=t, learn_temperature=False) for t in TEMPERATURES.values()]


def _temperature(seed, device) -> dict:
    out = {}
    for name, config in zip(TEMPERATURES, _temperature_configs(seed)):
        final = common.trained(config, device).history.iloc[-1]  # 500 validation pairs, after the last step
        out[f"gap_tau_{name}"] = float(final["gap"])
        out[f"r1_tau_{name}"] = float(final["r1_i2t"])  # shown beside the gap, not checked
    return out


#: The authors' six-temperature sweep (CLIP fine-tuned on MSCOCO at fixed τ; one run each, no ±):
#: final gap, image→text Recall@1 (their "Text R@1", ``acc_t``) and text→image Recall@1 (their
#: "Image R@1", ``acc_i``: their ``evaluate_retrieval`` ranks the images for each caption),
#: Weixin-Liang/Modality-Gap Table_1_Implications_CLIP_Zero_Shot/shifting/shift_features.ipynb, cell 12.
AUTHORS_TAU_SWEEP = {"1/100": (1.0006, 0.1894, 0.1836), "1/50": (0.7961, 0.2036, 0.2090),
                     "1/30": (0.6352, 0.2098, 0.2048), "1/20": (0.5524, 0.1740, 0.1772),
                     "1/10": (0.3028, 0.1660, 0.1896), "1": (0.2384, 0.0170, 0.0214)}


def _authors_gap(tau: str) -> float:
    return AUTHORS_TAU_SWEEP[tau][0]


#: Liang et al. 2022, Sec. 4.4 (means of 3 seeds): the gap at step 0 and after training, amended and
#: original initialisation.
AUTHORS_AMENDED = {"init_amended": 0.0388, "trained_amended": 0.7457, "init_original": 1.1891,
                   "trained_original": 1.2991}


def temperature_table(result):
    """The temperature claim beside the authors' sweep: one row per τ of their six.

    Columns: the toy's final gap and image→text Recall@1 (mean ± sd over ``result``'s seeds;
    "not trained" for the τ the ledger does not train) and the authors' gap and Recall@1 both ways.
    """
    import pandas as pd

    if result.claim.id != "temperature.gap-shrinks":
        raise ValueError(f"result must be the 'temperature.gap-shrinks' claim, got {result.claim.id!r}")
    rows = {}
    for name, (gap, i2t, t2i) in AUTHORS_TAU_SWEEP.items():
        trained = name in TEMPERATURES
        rows[name] = {"toy gap": result.summary(f"gap_tau_{name}") if trained else "not trained",
                      "toy R@1 image→text": result.summary(f"r1_tau_{name}") if trained else "not trained",
                      "authors' gap": gap, "authors' R@1 image→text": i2t, "authors' R@1 text→image": t2i}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("τ")


def _init_configs(seed):
    partial = common.base_config().replace(seed=seed, caption_detail=1)
    return [partial.replace(init="procrustes"), partial]


def init_geometry(config, device) -> dict:
    """The two cones of a freshly initialised tiny CLIP on the validation pairs.

    A rotation keeps each cone's width, so after the best rotation the centres of the
    normalised embeddings stay at least | ‖μ_images‖ − ‖μ_texts‖ | apart.
    """
    from ..embed import encode_split
    from ..metrics import mean_cosine_similarity
    from ..models import create_tiny_clip, tiny_clip_config
    from ..training.data import prepared_for

    model_cfg = tiny_clip_config(**config.model)
    val = prepared_for(config)["val"]
    model = create_tiny_clip(model_cfg, seed=config.seed, init_temperature=config.temperature,
                             learn_temperature=config.learn_temperature, device=device)
    images, texts = encode_split(model, val[0], val[1])
    return {"cos_images_at_init": mean_cosine_similarity(images), "cos_texts_at_init": mean_cosine_similarity(texts),
            "centre_length_difference": abs(float(np.linalg.norm(images.mean(0)) - np.linalg.norm(texts.mean(0))))}


def _init(seed, device) -> dict:
    amended_config, original_config = _init_configs(seed)
    amended, original = (common.trained(c, device).history["gap"] for c in (amended_config, original_config))
    return {"gap_init_amended": float(amended.iloc[0]), "gap_trained_amended": float(amended.iloc[-1]),
            "gap_init_original": float(original.iloc[0]), "gap_trained_original": float(original.iloc[-1]),
            **init_geometry(amended_config, device)}


def _imbalance_configs(seed):
    return [common.base_config().replace(seed=seed, caption_detail=d) for d in (1, 4)]


def _imbalance(seed, device) -> dict:
    one, four = (common.trained(c, device).history["gap"].iloc[-1] for c in _imbalance_configs(seed))
    return {"gap_1_named": float(one), "gap_4_named": float(four)}


#: The claims of this chapter, in the order the book makes them.
CLAIMS = (
    Claim("temperature.gap-shrinks", "2",
          "The lower the fixed temperature, the larger the gap that contrastive training keeps.",
          "Liang et al. 2022, the authors' sweep (CLIP fine-tuned on MSCOCO at fixed τ): gap 1.00, 0.80, 0.30, "
          "0.24 at τ = 1/100, 1/50, 1/10, 1, while image→text R@1 falls from 0.204 (τ = 1/50) to 0.017 (τ = 1) "
          "and text→image R@1 from 0.209 to 0.021",
          _temperature,
          (Check("gap(τ=1/100) − gap(τ=1)", difference("gap_tau_1/100", "gap_tau_1"), ">=", 0.3,
                 paper=_authors_gap("1/100") - _authors_gap("1")),
           Check("gap(τ=1/100) − gap(τ=1/10)", difference("gap_tau_1/100", "gap_tau_1/10"), ">=", 0.05,
                 paper=_authors_gap("1/100") - _authors_gap("1/10")),
           Check("gap(τ=1/50) − gap(τ=1)", difference("gap_tau_1/50", "gap_tau_1"), ">=", 0.05,
                 paper=_authors_gap("1/50") - _authors_gap("1"))),
          tuple(f"gap_tau_{name}" for name in TEMPERATURES),
          configs=_temperature_configs,
          note="Same order, much smaller gaps than the paper's at τ = 1/10 and 1: complete captions never "
               "mismatch their image, the force that keeps a gap. The toy's R@1 (r1_tau_*) is image→text, beside "
               "the authors' image→text column.",
          source="The sweep is described in Sec. 4.2 (fine-tuning at six τ, batch 64; the gap falls "
                 "monotonically with τ, Supp. Fig. 8); its numbers are not in the text but in the authors' "
                 "Table_1_Implications_CLIP_Zero_Shot/shifting/shift_features.ipynb, cell 12, a sweep over six τ "
                 "(1/100, 1/50, 1/30, 1/20, 1/10, 1; gaps 1.0006, 0.7961, 0.6352, 0.5524, 0.3028, 0.2384); its "
                 "'Text R@1' (acc_t: 0.1894, 0.2036, 0.2098, 0.1740, 0.1660, 0.0170) is image→text and its "
                 "'Image R@1' (acc_i: 0.1836, 0.2090, 0.2048, 0.1772, 0.1896, 0.0214) text→image, by the "
                 "notebook's evaluate_retrieval (sim = images @ texts.T; 'Image R@K' sorts each caption's column "
                 "and asks whether its image is among the top K); one run per τ, no ±."),
    Claim("init.reappears", "2",
          "Started without a gap (the amended initialisation), training on captions that name only the "
          "shape opens a gap again.",
          "Liang et al. 2022, Sec. 4.4: amended 0.0388 ± 0.0351 → 0.7457 ± 0.0633; original 1.1891 ± 0.0017 → "
          "1.2991 ± 0.0389",
          _init,
          (Check("gap at step 0, amended / original", lambda v: v["gap_init_amended"] / v["gap_init_original"],
                 "<=", 0.25, paper=AUTHORS_AMENDED["init_amended"] / AUTHORS_AMENDED["init_original"]),
           Check("gap after − at step 0 (amended)", difference("gap_trained_amended", "gap_init_amended"),
                 ">=", 0.1, paper=AUTHORS_AMENDED["trained_amended"] - AUTHORS_AMENDED["init_amended"])),
          ("gap_init_amended", "gap_trained_amended", "gap_init_original", "gap_trained_original",
           "centre_length_difference"),
          configs=_init_configs,
          note="Holds on average on every seed set (re-opened by 0.22 ± 0.05 over seeds 5–34, mean ± sd); a "
               "single run can fall just short of the 0.1 claimed: seed 24 re-opens it by 0.097 (the kept "
               "records, gapnotes/claims/records). Our amended start is well above the paper's "
               "0.04: the tiny ViT's image cone at initialisation "
               "is nearly a point while the text cone is wide, and a rotation cannot shrink the difference of "
               "the centres' lengths (centre_length_difference). The gap comes back, less far than the "
               "paper's 0.75. The toy's original start behaves unlike the paper's too: its gap shrinks during "
               "training (gap_init_original → gap_trained_original) where the paper's grows (1.189 → 1.299).",
          source="Sec. 4.4, ± = 95 % interval over 3 seeds (t-intervals of the per-seed values in the authors' "
                 "util/gap_amend_std.ipynb give the same numbers; that notebook prints population sds instead: "
                 "amended 0.0388 ± 0.0115 → 0.7457 ± 0.0208, original 1.1891 ± 0.0006 → 1.2991 ± 0.0128)."),
    Claim("imbalance.widens", "2",
          "Captions that name less of the image leave a larger gap.",
          "— (neither paper; Schrodi et al. 2025 relate information imbalance to the gap)",
          _imbalance,
          (Check("gap(1 named) − gap(4 named)", difference("gap_1_named", "gap_4_named"), ">=", 0.2),),
          ("gap_1_named", "gap_4_named"),
          configs=_imbalance_configs,
          source="— (our own claim; Schrodi et al. 2025 for the idea, no number is compared)"),
)
