"""clip_loss against a direct computation, and its gradient."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gapnotes.losses import clip_loss  # noqa: E402


def unit(t):
    return t / t.norm(dim=1, keepdim=True)


def test_clip_loss_matches_explicit_sum():
    g = torch.Generator().manual_seed(0)
    x, y = unit(torch.randn(6, 4, generator=g, dtype=torch.float64)), unit(torch.randn(6, 4, generator=g, dtype=torch.float64))
    s = 7.0
    sims = (s * x @ y.T).numpy()
    i2t = -np.mean([sims[i, i] - math.log(np.exp(sims[i]).sum()) for i in range(6)])
    t2i = -np.mean([sims[j, j] - math.log(np.exp(sims[:, j]).sum()) for j in range(6)])
    assert clip_loss(x, y, s).item() == pytest.approx(0.5 * (i2t + t2i), rel=1e-10)


def test_clip_loss_perfect_pairs_low_temperature():
    x = torch.eye(5, dtype=torch.float64)
    assert clip_loss(x, x, 100.0).item() < 1e-6
    assert clip_loss(x, x.roll(1, 0), 100.0).item() > 10  # every pair mismatched


def test_clip_loss_gradcheck():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
    scale = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b, s: clip_loss(unit(a), unit(b), s), (x, y, scale))


def test_clip_loss_bad_input():
    with pytest.raises(ValueError, match="but text_features has"):
        clip_loss(torch.ones(3, 2), torch.ones(4, 2), 1.0)
    with pytest.raises(TypeError, match="image_features must be a torch tensor"):
        clip_loss(np.ones((3, 2)), torch.ones(3, 2), 1.0)
    with pytest.raises(ValueError, match="image_features must have shape"):
        clip_loss(torch.ones(3), torch.ones(3), 1.0)


from gapnotes.losses import (  # noqa: E402
    align_true_pairs_loss,
    centroid_uniformity_loss,
    modgap_loss,
    modgap_weights,
)


def _modalities(n=6, d=4, m=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [unit(torch.randn(n, d, generator=g, dtype=torch.float64)) for _ in range(m)]


def test_atp_against_direct_computation():
    zs = _modalities()
    direct = np.mean([np.mean(np.sum((zs[m].numpy() - zs[1].numpy()) ** 2, axis=1)) for m in (0, 2)])
    assert align_true_pairs_loss(zs, anchor=1).item() == pytest.approx(direct)
    assert align_true_pairs_loss([zs[0], zs[0]]).item() == 0.0


def test_cu_against_direct_computation():
    zs = _modalities(n=5)
    mu = np.mean([z.numpy() for z in zs], axis=0)
    mu /= np.linalg.norm(mu, axis=1, keepdims=True)
    vals = [np.exp(-2 * np.sum((mu[i] - mu[j]) ** 2)) for i in range(5) for j in range(5) if i != j]
    assert centroid_uniformity_loss(zs).item() == pytest.approx(math.log(np.mean(vals)), rel=1e-10)
    # Same value as the unordered-pair form of the authors' code (torch.pdist).
    c = torch.nn.functional.normalize(torch.stack(zs).mean(0), dim=-1)
    assert centroid_uniformity_loss(zs).item() == pytest.approx(torch.log(torch.exp(-2 * torch.pdist(c) ** 2).mean()).item())


def test_modgap_loss_is_the_weighted_sum():
    zs = _modalities(m=2)
    s = 10.0
    expected = clip_loss(zs[0], zs[1], s) + 0.5 * align_true_pairs_loss(zs) + 2.0 * centroid_uniformity_loss(zs)
    assert modgap_loss(zs, s, atp_weight=0.5, cu_weight=2.0).item() == pytest.approx(expected.item())
    three = _modalities(m=3)
    contrastive = (clip_loss(three[1], three[0], s) + clip_loss(three[1], three[2], s)) / 2
    assert modgap_loss(three, s, anchor=1, atp_weight=0, cu_weight=0).item() == pytest.approx(contrastive.item())


def test_new_losses_gradcheck():
    g = torch.Generator().manual_seed(2)
    a = torch.randn(5, 3, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, 3, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, y: modgap_loss([unit(x), unit(y)], 5.0), (a, b))
    assert torch.autograd.gradcheck(lambda x, y: centroid_uniformity_loss([unit(x), unit(y)]), (a, b))


def test_schedule_matches_the_released_configuration():
    assert modgap_weights(0.3) == (1.0, 1.0)
    assert modgap_weights(0.0, schedule=True) == (1.0, 1.0)
    assert modgap_weights(0.45, schedule=True) == pytest.approx((1.0, 0.5))
    assert modgap_weights(0.75, schedule=True) == pytest.approx((1.5, 0.0))
    assert modgap_weights(1.0, schedule=True) == pytest.approx((2.0, 0.0))
    with pytest.raises(ValueError, match="progress"):
        modgap_weights(1.5)


def test_multimodal_input_errors():
    zs = _modalities()
    with pytest.raises(ValueError, match="at least 2 modalities"):
        align_true_pairs_loss(zs[:1])
    with pytest.raises(ValueError, match="anchor"):
        align_true_pairs_loss(zs, anchor=3)
    with pytest.raises(TypeError, match="list"):
        centroid_uniformity_loss(torch.stack(zs))
    with pytest.raises(ValueError, match="embeddings\\[2\\]"):
        modgap_loss([zs[0], zs[1], zs[2][:3]], 1.0)


def test_pairwise_clip_loss():
    from gapnotes.losses import pairwise_clip_loss

    zs = _modalities(m=3)
    expected = (clip_loss(zs[0], zs[1], 4.0) + clip_loss(zs[0], zs[2], 4.0) + clip_loss(zs[1], zs[2], 4.0)) / 3
    assert pairwise_clip_loss(zs, 4.0).item() == pytest.approx(expected.item())
