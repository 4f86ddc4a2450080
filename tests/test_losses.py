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
