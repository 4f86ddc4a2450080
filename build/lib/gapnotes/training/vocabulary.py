"""Train only the token-embedding rows the captions use."""

from __future__ import annotations

__all__ = ["VocabularySlice"]


class VocabularySlice:
    """Swap a model's token table for the rows the data uses; :meth:`detach` writes them back.

    The tiny CLIP keeps open_clip's 49,408-token vocabulary, but the shapes captions use a few dozen
    tokens. During training the ``token_embedding`` is swapped for one holding just those rows (token
    ids are remapped by an order-preserving lookup, so open_clip's argmax end-of-text pooling still finds
    the same position), which saves the dense gradient and the AdamW update of ~3.2 M unused
    parameters every step. Outputs for the data are unchanged; the unused rows simply keep their
    initial values (instead of being shrunk ≈1.5 % by weight decay). :meth:`detach` restores the full
    table, so the stored model is a complete open_clip CLIP.
    """

    def __init__(self, model, token_sets):
        import torch

        self.owner = model.clip if hasattr(model, "clip") else model
        self.full = self.owner.token_embedding
        used = torch.unique(torch.cat([t.flatten().cpu() for t in token_sets]))  # sorted: order-preserving
        self.used = used.to(self.full.weight.device)
        self.lookup = torch.zeros(self.full.num_embeddings, dtype=torch.long)
        self.lookup[used] = torch.arange(len(used))
        small = torch.nn.Embedding(len(used), self.full.embedding_dim, device=self.full.weight.device,
                                   dtype=self.full.weight.dtype)
        small.weight.requires_grad_(self.full.weight.requires_grad)
        with torch.no_grad():
            small.weight.copy_(self.full.weight[self.used])
        self.owner.token_embedding = small

    def remap(self, tokens):
        """Token ids of the full vocabulary → rows of the slice (on the device of ``tokens``)."""
        return self.lookup.to(tokens.device)[tokens]

    def detach(self) -> None:
        """Write the trained rows back into the full table and put it back in the model."""
        import torch

        with torch.no_grad():
            self.full.weight[self.used] = self.owner.token_embedding.weight
        self.owner.token_embedding = self.full
