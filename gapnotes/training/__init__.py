"""The trainer's parts, one module per concern (the public API is :mod:`gapnotes.train`).

============  ===================================================================================
module        concern
============  ===================================================================================
``config``    :class:`TrainConfig` (what determines a run), :class:`TrainResult`, cache keys, and
              which configs can train together as one ensemble (:func:`ensemble_signature`)
``cache``     where finished runs live on disk; atomic store and load
``data``      the shapes splits as tensors, ready for the towers (built once per process)
``vocabulary``  training only the token-embedding rows the captions use
``init``      the amended (Procrustes) initialisation
``stacked``   M tiny CLIPs as one computation (weights with a leading model dimension)
``loop``      the one training loop: an ensemble of M ≥ 1 members; a lone run is M = 1
``plain``     one CLIP trained step by step, the loop written for reading (same model as ``loop``)
============  ===================================================================================
"""
