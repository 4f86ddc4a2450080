"""Several tiny CLIPs as one computation: every weight gets a leading *model* dimension.

Why not ``torch.func.vmap``? Over open_clip's ``CLIP`` it ran, but 5 tiny models took
7.7× one model per step: attention under vmap leaves its fast path and every op pays
vmap's overhead. A tiny CLIP (width 64, 16–17 tokens) is bound by per-op overhead, not
arithmetic, so the way to use the machine is to issue *the same ops, once, for all
members*. Here each of the M members' ``state_dict`` entries is stacked into one tensor
with shape ``(M, *shape)``, and the forward pass is written once for that layout:

* every ``nn.Linear`` (``y = x Wᵀ + b``) becomes one batched product
  ``baddbmm(b, x, Wᵀ)`` over ``(M, tokens, width)``;
* the patch embedding (a stride-``p`` convolution without bias) is the same product on
  the unfolded ``p × p`` patches;
* LayerNorm normalises without affine; each member's gain and bias are folded into the
  weights of the linear layer that follows (``ln_pre``, whose output is the residual
  stream, applies them to the activations);
* attention has no weights of its own: members are folded into its batch dimension and
  ``scaled_dot_product_attention`` runs once;
* the token embedding is one lookup in the members' tables laid end to end.

The maths is open_clip's ``VisionTransformer`` (class-token pooling, ``ln_pre``) and
``CLIP.encode_text`` (causal mask, end-of-text pooling), exactly; only the order of some
floating-point sums differs (a test checks the stacked embeddings against open_clip's
to 1e-5). Members are independent: the loss of the ensemble is the *sum* of the members'
losses, so each member's gradient is its own. :meth:`StackedCLIP.unstack` writes the
trained weights back into the members' open_clip models, which is what gets stored.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["StackedCLIP", "patchify"]


def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Images (N, C, H, W) → non-overlapping patches (N, (H/p)·(W/p), C·p·p), row-major like a conv.

    Done once for a whole data set, so that training steps only gather rows.
    """
    n, channels, height, width = images.shape
    grid_h, grid_w = height // patch_size, width // patch_size
    patches = images.reshape(n, channels, grid_h, patch_size, grid_w, patch_size)
    return patches.permute(0, 2, 4, 1, 3, 5).reshape(n, grid_h * grid_w, channels * patch_size * patch_size)


def _linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """(M, N, in) × stacked ``nn.Linear`` weights (M, out, in) [+ bias (M, out)] → (M, N, out)."""
    if bias is None:
        return torch.bmm(x, weight.transpose(1, 2))
    return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))


def _standardized(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """LayerNorm without its affine part, x̂ = (x − mean) / sqrt(var + eps) over the last dimension."""
    return F.layer_norm(x, x.shape[-1:], eps=eps)


def _layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """LayerNorm over the last dimension with per-member gain and bias (M, width); x is (M, N, width)."""
    return torch.addcmul(bias.unsqueeze(1), _standardized(x, eps), weight.unsqueeze(1))


def _norm_then_linear(normed: torch.Tensor, gain, shift, weight, bias) -> torch.Tensor:
    """``Linear(LayerNorm-affine(normed))`` with the affine folded into the (small) weights.

    (x̂ ∘ g + β) Wᵀ + b = x̂ (W diag g)ᵀ + (W β + b): the same maths, but the per-member gain and
    shift touch a (out, in) weight instead of every (tokens, width) activation.
    """
    folded_bias = torch.baddbmm(bias.unsqueeze(1), shift.unsqueeze(1), weight.transpose(1, 2)).squeeze(1)
    return _linear(normed, weight * gain.unsqueeze(1), folded_bias)


def _one_query_attention(q, k, v, mask=None) -> torch.Tensor:
    """softmax(q kᵀ / √d) v for one query per row: q (R, heads, 1, d), k and v (R, heads, L, d).

    ``mask`` (R, 1, 1, L), True where a key may be seen. Written as element-wise products and
    sums, not ``scaled_dot_product_attention``: on the CPU that kernel's result for a row
    depended on how many rows came with it (so an ensemble member would no longer be bitwise
    its lone run), and these sums are also faster for a single query (measured: 5.6 vs 9.3 ms
    forward and backward for 640 × 2 heads × 17 keys).
    """
    scores = (q * k).sum(-1) * q.shape[-1] ** -0.5  # (R, heads, L)
    if mask is not None:
        scores = scores.masked_fill(~mask.squeeze(2), float("-inf"))
    return (scores.softmax(-1).unsqueeze(-1) * v).sum(-2, keepdim=True)


class StackedCLIP:
    """M tiny open_clip CLIPs (or three-tower CLIPs) whose weights are stacked on dimension 0.

    Parameters
    ----------
    models : list of M models of one architecture, open_clip ``CLIP`` built by
        :func:`gapnotes.models.create_tiny_clip` or :class:`gapnotes.models.TriModalCLIP`
        (their token tables may already be sliced by :class:`.vocabulary.VocabularySlice`).
    model_cfg : the config they were built from (:func:`gapnotes.models.tiny_clip_config`)

    Attributes
    ----------
    params : dict name → tensor (M, …), leaf tensors that require grad (the trainable weights)
    logit_scales : list of M scalar tensors (each member's log(1/τ); learnable or not per member)
    text_rotation : None, or a fixed (M, D, D) tensor every member's text features are multiplied
        by (the amended initialisation; identity for members without one). Never trained;
        :meth:`unstack` folds it into the text projection.
    """

    def __init__(self, models, model_cfg: dict, text_rotations=None):
        if not models:
            raise ValueError("models must contain at least one model")
        self.models = list(models)
        self.count = len(self.models)
        self.three = hasattr(self.models[0], "encode_sketch")
        self.prefix = "clip." if self.three else ""
        self.heads = int(model_cfg["text_cfg"]["heads"])
        self.vision_heads = int(model_cfg["vision_cfg"]["width"]) // int(model_cfg["vision_cfg"]["head_width"])
        self.layers = {"vision": int(model_cfg["vision_cfg"]["layers"]), "text": int(model_cfg["text_cfg"]["layers"])}
        states = [dict(m.named_parameters()) for m in self.models]
        scale_name = f"{self.prefix}logit_scale"
        self.params = {}
        for name in states[0]:
            if name == scale_name:
                continue
            stacked = torch.stack([s[name].detach() for s in states]).clone()
            self.params[name] = stacked.requires_grad_(True)
        self.logit_scales = [s[scale_name].detach().clone().requires_grad_(s[scale_name].requires_grad)
                             for s in states]
        self.text_rotation = None
        if text_rotations is not None and any(r is not None for r in text_rotations):
            if len(text_rotations) != self.count:
                raise ValueError(f"text_rotations has {len(text_rotations)} entries for {self.count} models")
            projection = self.params[f"{self.prefix}text_projection"]
            eye = torch.eye(projection.shape[-1], dtype=projection.dtype, device=projection.device)
            self.text_rotation = torch.stack([eye if r is None else r.to(eye) for r in text_rotations])

    # ------------------------------------------------------------------------------ parameters
    def trainable(self) -> list:
        """Tensors the optimiser updates: the stacked weights and the learnable logit scales."""
        return list(self.params.values()) + [s for s in self.logit_scales if s.requires_grad]

    def logit_scale(self) -> torch.Tensor:
        """(M,) tensor of each member's logit scale s = 1/τ (exp of the stored log-scale)."""
        return torch.stack(self.logit_scales).exp()

    @torch.no_grad()
    def clamp_logit_scales(self, maximum: float) -> None:
        """CLIP's clamp of log(1/τ) to [0, maximum] after each step."""
        for scale in self.logit_scales:
            scale.clamp_(0.0, maximum)

    @torch.no_grad()
    def unstack(self) -> list:
        """Write each member's trained weights back into its own model; returns the models."""
        for m, model in enumerate(self.models):
            own = dict(model.named_parameters())
            for name, stacked in self.params.items():
                own[name].copy_(stacked[m])
            if self.text_rotation is not None:  # (x P) R = x (P R): the model keeps the rotation
                own[f"{self.prefix}text_projection"].copy_(own[f"{self.prefix}text_projection"] @ self.text_rotation[m])
            own[f"{self.prefix}logit_scale"].copy_(self.logit_scales[m])
        return self.models

    # ------------------------------------------------------------------------------ towers
    def _in_projection(self, normed, block: str, j: int, width: int) -> torch.Tensor:
        """Row block j of the attention's in_proj (0 queries, 1 keys, 2 values) after ``ln_1``."""
        p = self.params
        rows = slice(j * width, (j + 1) * width)
        return _norm_then_linear(normed, p[block + "ln_1.weight"], p[block + "ln_1.bias"],
                                 p[block + "attn.in_proj_weight"][:, rows], p[block + "attn.in_proj_bias"][:, rows])

    def _blocks(self, x: torch.Tensor, prefix: str, layers: int, heads: int, causal: bool,
                pooled: torch.Tensor | None = None) -> torch.Tensor:
        """open_clip's ``Transformer`` (pre-LN residual blocks, GELU MLP) on x (M, B, L, width).

        Returns the residual stream (M, B, L, width); or, given ``pooled`` (M, B) token positions,
        only those tokens' outputs (M, B, width). The towers read out one token each, and a
        token's output in the last block depends on the other tokens only through its keys and
        values, so that block computes keys and values for every token but queries, attention
        output and MLP for the pooled token alone: the same maths, a quarter of the block's work.
        """
        p = self.params
        count, batch, length, width = x.shape
        head_width = width // heads
        x = x.reshape(count, batch * length, width)

        def split_heads(t, tokens):  # (M, B·tokens, width) -> (M·B, heads, tokens, head_width), a view
            return t.reshape(count * batch, tokens, heads, head_width).transpose(1, 2)

        for i in range(layers):
            block = f"{prefix}resblocks.{i}."
            h = _standardized(x)
            last = pooled is not None and i == layers - 1
            # q, k and v as three products with row blocks of in_proj, each laid out (M·B, heads, L,
            # head_width) as a view: members fold into attention's batch dimension. (One product and
            # then slicing q, k, v out of it costs a zero-filled gradient per slice in the backward.)
            k, v = (split_heads(self._in_projection(h, block, j, width), length) for j in (1, 2))
            if last:
                rows = pooled.reshape(count, batch, 1, 1).expand(count, batch, 1, width)
                x = torch.gather(x.reshape(count, batch, length, width), 2, rows).reshape(count, batch, width)
                h = torch.gather(h.reshape(count, batch, length, width), 2, rows).reshape(count, batch, width)
                q = split_heads(self._in_projection(h, block, 0, width), 1)
                # the causal mask of the pooled token's row: it sees the tokens up to itself
                mask = None
                if causal:
                    positions = torch.arange(length, device=x.device)
                    mask = (positions <= pooled.reshape(-1, 1)).reshape(count * batch, 1, 1, length)
                attended = _one_query_attention(q, k, v, mask)
                tokens = 1
            else:
                q = split_heads(self._in_projection(h, block, 0, width), length)
                attended = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                tokens = length
            attended = attended.transpose(1, 2).reshape(count, batch * tokens, width)
            x = x + _linear(attended, p[block + "attn.out_proj.weight"], p[block + "attn.out_proj.bias"])
            h = F.gelu(_norm_then_linear(_standardized(x), p[block + "ln_2.weight"], p[block + "ln_2.bias"],
                                         p[block + "mlp.c_fc.weight"], p[block + "mlp.c_fc.bias"]))
            x = x + _linear(h, p[block + "mlp.c_proj.weight"], p[block + "mlp.c_proj.bias"])
        if pooled is not None:
            return x
        return x.reshape(count, batch, length, width)

    def _vision(self, patches: torch.Tensor, prefix: str) -> torch.Tensor:
        """open_clip ``VisionTransformer``: patches (M, B, P, C·p·p) from :func:`patchify` → (M, B, embed_dim)."""
        p = self.params
        count, batch, n_patches, _ = patches.shape
        conv = p[prefix + "conv1.weight"]  # (M, width, C, p, p)
        width = conv.shape[1]
        # the stride-p convolution without bias == a linear map of each flattened (C, p, p) patch
        x = torch.bmm(patches.reshape(count, batch * n_patches, -1), conv.reshape(count, width, -1).transpose(1, 2))
        x = x.reshape(count, batch, n_patches, width)
        cls = p[prefix + "class_embedding"].reshape(count, 1, 1, width).expand(count, batch, 1, width)
        x = torch.cat([cls, x], dim=2) + p[prefix + "positional_embedding"].unsqueeze(1)
        length = x.shape[2]
        x = _layer_norm(x.reshape(count, batch * length, width), p[prefix + "ln_pre.weight"],
                        p[prefix + "ln_pre.bias"]).reshape(count, batch, length, width)
        class_token = torch.zeros(count, batch, dtype=torch.long, device=x.device)
        x = self._blocks(x, prefix + "transformer.", self.layers["vision"], self.vision_heads, causal=False,
                         pooled=class_token)
        # LayerNorm acts per token, so normalising only the pooled class token is the same as open_clip's
        # ln_post over every token followed by taking token 0.
        pooled = _layer_norm(x, p[prefix + "ln_post.weight"], p[prefix + "ln_post.bias"])
        return torch.bmm(pooled, p[prefix + "proj"])

    def _text(self, tokens: torch.Tensor) -> torch.Tensor:
        """open_clip ``CLIP.encode_text``: token ids (M, B, L) → features (M, B, embed_dim)."""
        p = self.params
        pre = self.prefix
        table = p[pre + "token_embedding.weight"]  # (M, V, width): members' tables end to end
        count, vocab, width = table.shape
        offsets = (torch.arange(count, device=tokens.device) * vocab).reshape(count, 1, 1)
        x = F.embedding(tokens + offsets, table.reshape(count * vocab, width))
        # tokens may be shorter than the context (padding after every end-of-text cut off): under
        # the causal mask no token sees the ones after it, so the pooled outputs are the same
        x = x + p[pre + "positional_embedding"][:, : tokens.shape[-1]].unsqueeze(1)
        # end-of-text pooling: the end-of-text token has the largest id (remapping preserves order)
        eot = tokens.argmax(dim=-1)  # (M, B)
        x = self._blocks(x, pre + "transformer.", self.layers["text"], self.heads, causal=True, pooled=eot)
        pooled = _layer_norm(x, p[pre + "ln_final.weight"], p[pre + "ln_final.bias"])
        out = torch.bmm(pooled, p[pre + "text_projection"])
        return out if self.text_rotation is None else torch.bmm(out, self.text_rotation)

    def encode(self, images, tokens, sketches=None) -> list:
        """Unnormalised features [(M, B, D) images, texts(, sketches)] of per-member inputs.

        images (and sketches) are patches (M, B, P, C·p·p) from :func:`patchify`; tokens (M, B, L).
        """
        out = [self._vision(images, self.prefix + "visual."), self._text(tokens)]
        if sketches is not None:
            out.append(self._vision(sketches, "sketch."))
        return out

    def features(self, images, tokens, sketches=None) -> list:
        """L2-normalised features, as open_clip's ``CLIP.forward`` returns them."""
        return [F.normalize(f, dim=-1) for f in self.encode(images, tokens, sketches)]
