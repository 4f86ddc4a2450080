"""Chapter 5's claim: the n-modal ModGap loss closes every pairwise gap of three modalities."""

from __future__ import annotations

import numpy as np

from . import common
from .ledger import Check, Claim, named

#: The two methods of the n-modal claim, from :data:`gapnotes.experiments.NMODAL_METHODS`.
NMODAL_CLAIMED = ("pairwise CLIP (learnable τ)", "ModGap, text anchor (τ = 0.1)")


def _nmodal_configs(seed):
    from ..experiments import NMODAL_METHODS

    three = common.base_config().replace(modalities=3, seed=seed)
    return [three.replace(**NMODAL_METHODS[name]) for name in NMODAL_CLAIMED]


def _nmodal(seed, device) -> dict:
    from ..experiments import three_tower_report

    pairs = common.test_pairs(4)
    out = {}
    for name, config in zip(("pairwise", "modgap"), _nmodal_configs(seed)):
        report = three_tower_report(common.trained(config, device), pairs, pairs.labels("colour"))
        pairwise_gaps = report["gaps"].values[~np.eye(3, dtype=bool)]  # off the diagonal
        out[f"mean_gap_{name}"] = float(pairwise_gaps.mean())
        out[f"max_gap_{name}"] = float(pairwise_gaps.max())
        out[f"v_{name}"] = float(report["clustering"]["v_measure"])
        out[f"mean_r1_{name}"] = float(np.nanmean(report["recall_at_1"].values))
    return out


#: The claims of this chapter, in the order the book makes them.
CLAIMS = (
    Claim("nmodal.closes", "5",
          "With three modalities, the n-modal ModGap loss closes every pairwise gap that pairwise CLIP keeps "
          "open.",
          "Grassucci et al. 2026, three-modal results: gap closed for every pair, V-measure up",
          _nmodal,
          (Check("mean gap, ModGap / pairwise CLIP", lambda v: v["mean_gap_modgap"] / v["mean_gap_pairwise"], "<=",
                 0.6),
           Check("largest ModGap pairwise gap", named("max_gap_modgap"), "<=", 0.1)),
          ("mean_gap_pairwise", "mean_gap_modgap", "v_pairwise", "v_modgap", "mean_r1_pairwise",
           "mean_r1_modgap"),
          configs=_nmodal_configs,
          note="Fragile on new seeds: on seeds 20–29 ModGap's largest pairwise gap ends at 0.108 and 0.103 "
               "(seeds 23 and 29) against the 0.1 claimed; its mean gap stays under 0.6 of pairwise CLIP's in "
               "every seed. The pooled clustering gain the paper reports is not robust on the toy: ModGap's "
               "V-measure by colour (v_modgap) swings between seeds and is below pairwise CLIP's in some, so it is shown, "
               "not claimed.",
          source="The 2026 paper's three-modal (MSR-VTT) results, qualitatively: no number is compared; "
                 "the authors' repository holds only the two-modal code."),
)
