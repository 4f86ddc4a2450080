"""The procedurally generated shapes data set."""

import numpy as np
import pytest

from gapnotes import synthetic


def test_deterministic_and_seed_dependent():
    a = synthetic.make_shapes(50, seed=3)
    b = synthetic.make_shapes(50, seed=3)
    c = synthetic.make_shapes(50, seed=4)
    np.testing.assert_array_equal(a.images, b.images)
    assert a.captions == b.captions
    assert not np.array_equal(a.images, c.images)


def test_shapes_ranges_and_types():
    d = synthetic.make_shapes(40, seed=0, image_size=24)
    assert d.images.shape == (40, 3, 24, 24) and d.images.dtype == np.float32
    assert d.images.min() >= 0 and d.images.max() <= 1
    assert len(d) == 40 and all(isinstance(c, str) for c in d.captions)


@pytest.mark.parametrize("detail", [1, 2, 3, 4])
def test_captions_name_exactly_the_mentioned_attributes(detail):
    d = synthetic.make_shapes(200, seed=1, caption_detail=detail)
    assert (d.mentioned.sum(1) == detail).all() and d.mentioned[:, 0].all()
    for i, caption in enumerate(d.captions):
        assert synthetic.SHAPES[d.attributes["shape"][i]] in caption
        colour = synthetic.COLOURS[d.attributes["colour"][i]]
        assert (colour in caption) == d.mentioned[i, 1]
        assert (synthetic.SIZES[d.attributes["size"][i]] in caption) == d.mentioned[i, 2]
        assert (synthetic.POSITIONS[d.attributes["position"][i]] in caption) == d.mentioned[i, 3]


def test_object_colour_is_in_the_image():
    d = synthetic.make_shapes(100, seed=2, noise=0.0, distractor=False)
    # The most saturated pixel of each image carries the object's colour.
    rgb = synthetic._RGB
    for i in range(100):
        img = d.images[i].reshape(3, -1)
        brightest = img[:, np.argmax(img.max(0) - img.min(0))]
        assert np.argmin(np.linalg.norm(rgb - brightest, axis=1)) == d.attributes["colour"][i]


def test_labels_and_class_names():
    d = synthetic.make_shapes(300, seed=0)
    sc = d.labels("shape_colour")
    names = d.class_names("shape_colour")
    assert len(names) == 30 and sc.max() < 30
    i = 7
    assert names[sc[i]] == f"{synthetic.COLOURS[d.attributes['colour'][i]]} {synthetic.SHAPES[d.attributes['shape'][i]]}"
    assert synthetic.class_prompts("shape")[0] == "a photo of a circle"
    with pytest.raises(ValueError, match="by must be"):
        d.labels("texture")


def test_splits_differ_and_subset():
    splits = synthetic.make_splits(100, 20, 30, seed=0)
    assert [len(splits[k]) for k in ("train", "val", "test")] == [100, 20, 30]
    assert not np.array_equal(splits["train"].images[:20], splits["val"].images)
    sub = splits["train"].subset(np.array([3, 5]))
    assert sub.captions == [splits["train"].captions[3], splits["train"].captions[5]]


def test_bad_arguments():
    with pytest.raises(ValueError, match="caption_detail"):
        synthetic.make_shapes(5, caption_detail=5)
    with pytest.raises(ValueError, match="n must be"):
        synthetic.make_shapes(0)
    with pytest.raises(TypeError, match="seed"):
        synthetic.make_shapes(5, seed=1.5)
    with pytest.raises(ValueError, match="noise"):
        synthetic.make_shapes(5, noise=-1)


def test_sketches_are_coloured_outlines():
    d = synthetic.make_shapes(20, seed=4)
    sk = d.sketches()
    assert sk.shape == d.images.shape and sk.dtype == np.float32
    lit = sk.max(axis=1) > 0
    assert (lit <= d.masks).all()  # the outline lies on the object
    assert (lit.sum((1, 2)) < d.masks.sum((1, 2))).all()  # ... and is thinner than it
    for i in range(20):
        colours = np.unique(sk[i].reshape(3, -1)[:, lit[i].ravel()].T, axis=0)
        np.testing.assert_allclose(colours, synthetic._RGB[d.attributes["colour"][i]][None])
    assert d.subset(np.array([1, 2])).sketches().shape == (2, 3, 32, 32)


def test_distractor_prompts_name_only_absent_objects():
    from gapnotes import synthetic

    prompts = synthetic.distractor_prompts()
    assert prompts[:2] == ["a photo of a pink star", "a photo of a pink heart"] and len(prompts) == 9
    with pytest.raises(ValueError, match="red"):
        synthetic.distractor_prompts(colours=("red",))
