"""A procedurally generated image–caption data set ("shapes"), seeded and vectorised.

Each sample is a small RGB image of one object with four *described* attributes,

- shape (circle, square, triangle, cross, ring),
- colour (red, green, blue, yellow, purple, cyan),
- size (small, large),
- position (top left, top right, bottom left, bottom right),

plus content no caption ever mentions: a background texture (plain, stripes or
checks, in a random dim colour), a small grey distractor object, and pixel noise.
The caption describes the object; ``caption_detail`` sets how many of the four
attributes it names (4 = all; 1 = the shape only). Fewer described attributes
means more *information imbalance* between image and caption, which
Schrodi et al. (ICLR 2025) tie to the size of the modality gap.

Generation is vectorised over samples: 20,000 32×32 pairs take about a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_int

__all__ = ["SHAPES", "COLOURS", "SIZES", "POSITIONS", "ShapesPairs", "make_shapes", "make_splits", "class_prompts",
           "distractor_prompts", "circle_cones"]

SHAPES = ("circle", "square", "triangle", "cross", "ring")
COLOURS = ("red", "green", "blue", "yellow", "purple", "cyan")
SIZES = ("small", "large")
POSITIONS = ("top left", "top right", "bottom left", "bottom right")
_RGB = np.array(
    [[0.9, 0.1, 0.1], [0.1, 0.8, 0.1], [0.15, 0.25, 0.95], [0.95, 0.9, 0.1], [0.6, 0.1, 0.8], [0.1, 0.85, 0.9]],
    dtype=np.float32,
)
_TEMPLATES = ("a {}", "a photo of a {}", "an image showing a {}", "there is a {}", "a picture of a {}")
_SPLIT_OFFSET = {"train": 0, "val": 1, "test": 2}


@dataclass
class ShapesPairs:
    """Images, captions and attribute labels of one split of the shapes data set.

    Attributes
    ----------
    images : np.ndarray, float32, shape (N, 3, H, W), values in [0, 1]
    captions : list[str] of length N
    attributes : dict name -> int array (N,), indices into SHAPES, COLOURS, SIZES, POSITIONS
    mentioned : bool array (N, 4): which of (shape, colour, size, position) the caption names
    masks : bool array (N, H, W), the object's pixels (used by :meth:`sketches`)
    """

    images: np.ndarray
    captions: list
    attributes: dict
    mentioned: np.ndarray
    config: dict = field(default_factory=dict)
    masks: np.ndarray | None = None

    def sketches(self) -> np.ndarray:
        """A third modality: the object's outline, in its colour, on black (float32 (N, 3, H, W)).

        It carries the same semantics as a complete caption (shape, colour, size, position)
        through a different channel, and none of the image's unmentioned content (texture,
        distractor, noise).
        """
        if self.masks is None:
            raise ValueError("these pairs were built without masks; draw them with make_shapes")
        m = self.masks
        interior = m.copy()
        interior[:, 1:, :] &= m[:, :-1, :]
        interior[:, :-1, :] &= m[:, 1:, :]
        interior[:, :, 1:] &= m[:, :, :-1]
        interior[:, :, :-1] &= m[:, :, 1:]
        outline = (m & ~interior).astype(np.float32)
        return outline[:, None] * _RGB[self.attributes["colour"]][:, :, None, None]

    def caption_matches(self) -> np.ndarray:
        """Which captions correctly describe which images: bool array (N, N).

        Entry [i, j] is True when every attribute caption j names holds for image i (so
        [i, i] is always True). The targets of a well-posed retrieval task
        (:func:`gapnotes.metrics.match_recall_at_k`): captions that name few attributes
        describe many images, and a ranking may put any of them first.
        """
        names = ("shape", "colour", "size", "position")  # the columns of ``mentioned``
        matches = np.ones((len(self), len(self)), dtype=bool)
        for column, name in enumerate(names):
            values = self.attributes[name]
            named = self.mentioned[:, column]
            matches &= ~named[None, :] | (values[:, None] == values[None, :])
        return matches

    def __len__(self) -> int:
        return len(self.captions)

    def labels(self, by: str = "shape") -> np.ndarray:
        """Class labels for clustering: ``"shape"``, ``"colour"``, ``"size"``, ``"position"`` or
        ``"shape_colour"`` (30 classes, shape × colour)."""
        if by == "shape_colour":
            return self.attributes["shape"] * len(COLOURS) + self.attributes["colour"]
        if by not in self.attributes:
            raise ValueError(f"by must be one of {sorted(self.attributes) + ['shape_colour']}, got {by!r}")
        return self.attributes[by]

    def class_names(self, by: str = "shape") -> list:
        """Human-readable names of the classes returned by :meth:`labels`."""
        if by == "shape_colour":
            return [f"{c} {s}" for s in SHAPES for c in COLOURS]
        names = {"shape": SHAPES, "colour": COLOURS, "size": SIZES, "position": POSITIONS}
        if by not in names:
            raise ValueError(f"by must be one of {sorted(names) + ['shape_colour']}, got {by!r}")
        return list(names[by])

    def subset(self, index) -> ShapesPairs:
        """The pairs at ``index`` (an int array or slice), as a new ShapesPairs."""
        index = np.arange(len(self))[index]
        return ShapesPairs(
            self.images[index],
            [self.captions[i] for i in index],
            {k: v[index] for k, v in self.attributes.items()},
            self.mentioned[index],
            dict(self.config),
            None if self.masks is None else self.masks[index],
        )


def _shape_masks(kind, cx, cy, radius, grid_y, grid_x):
    """Boolean masks (N, H, W) of one object per sample; all arguments broadcast over N."""
    dx = grid_x[None] - cx[:, None, None]
    dy = grid_y[None] - cy[:, None, None]
    r = radius[:, None, None]
    dist2 = dx**2 + dy**2
    masks = np.zeros(dx.shape, dtype=bool)
    rules = (
        lambda dx, dy, r, d2: d2 <= r**2,  # circle
        lambda dx, dy, r, d2: np.maximum(np.abs(dx), np.abs(dy)) <= 0.8 * r,  # square
        # Upward triangle: below the apex and inside two slanted edges.
        lambda dx, dy, r, d2: (dy <= 0.8 * r) & (dy >= -r + 2 * np.abs(dx)),
        lambda dx, dy, r, d2: ((np.abs(dx) <= 0.3 * r) & (np.abs(dy) <= r)) | ((np.abs(dy) <= 0.3 * r) & (np.abs(dx) <= r)),
        lambda dx, dy, r, d2: (d2 <= r**2) & (d2 >= (0.55 * r) ** 2),  # ring
    )
    for value, rule in enumerate(rules):  # each rule only on the samples of its kind (5× less work)
        rows = np.flatnonzero(kind == value)
        if rows.size:
            masks[rows] = rule(dx[rows], dy[rows], r[rows], dist2[rows])
    return masks


def make_shapes(
    n: int,
    seed: int = 0,
    image_size: int = 32,
    caption_detail: int = 4,
    noise: float = 0.05,
    distractor: bool = True,
) -> ShapesPairs:
    """Draw ``n`` image–caption pairs.

    Parameters
    ----------
    n : int ≥ 1
    seed : int ≥ 0
        Same seed, same data (images, captions and labels), on any machine.
    image_size : int ≥ 16
    caption_detail : int in 1..4
        How many of the four attributes each caption names. The shape is always
        named; the other ``caption_detail − 1`` are drawn at random per caption, so
        every attribute is sometimes described.
    noise : float ≥ 0
        Standard deviation of Gaussian pixel noise.
    distractor : bool
        Add a small grey object that captions never mention.
    """
    n = check_int(n, "n", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    size = check_int(image_size, "image_size", minimum=16)
    detail = check_int(caption_detail, "caption_detail", minimum=1)
    if detail > 4:
        raise ValueError(f"caption_detail must be between 1 and 4, got {detail}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    rng = np.random.default_rng(seed)

    shape = rng.integers(len(SHAPES), size=n)
    colour = rng.integers(len(COLOURS), size=n)
    big = rng.integers(2, size=n)
    pos = rng.integers(4, size=n)

    grid_y, grid_x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    radius = np.where(big == 1, 0.28, 0.16) * size * rng.uniform(0.9, 1.1, size=n)
    # Quadrant centre plus jitter; the object stays inside its quadrant.
    cx = np.where(pos % 2 == 1, 0.72, 0.28) * size + rng.uniform(-0.06, 0.06, size=n) * size
    cy = np.where(pos >= 2, 0.72, 0.28) * size + rng.uniform(-0.06, 0.06, size=n) * size

    # Background: a dim random colour with one of three textures (never captioned).
    texture = rng.integers(3, size=n)
    bg_rgb = rng.uniform(0.05, 0.35, size=(n, 3)).astype(np.float32)
    period = rng.integers(3, 7, size=n)[:, None, None]
    stripes = ((grid_x[None].astype(int) // period) % 2).astype(np.float32)
    checks = (((grid_x[None].astype(int) // period) + (grid_y[None].astype(int) // period)) % 2).astype(np.float32)
    pattern = np.where(texture[:, None, None] == 1, stripes, np.where(texture[:, None, None] == 2, checks, 0.0))
    images = bg_rgb[:, :, None, None] * (1.0 - 0.5 * pattern[:, None])

    if distractor:
        # A small grey blob in the diagonally opposite quadrant.
        dcx = size - cx + rng.uniform(-0.05, 0.05, size=n) * size
        dcy = size - cy + rng.uniform(-0.05, 0.05, size=n) * size
        dmask = _shape_masks(rng.integers(len(SHAPES), size=n), dcx, dcy, np.full(n, 0.1 * size), grid_y, grid_x)
        grey = rng.uniform(0.4, 0.6, size=n).astype(np.float32)[:, None, None, None]
        images = np.where(dmask[:, None], grey, images)

    mask = _shape_masks(shape, cx, cy, radius, grid_y, grid_x)
    images = np.where(mask[:, None], _RGB[colour][:, :, None, None], images)
    if noise > 0:
        images = images + rng.normal(0.0, noise, size=images.shape).astype(np.float32)
    images = np.clip(images, 0.0, 1.0).astype(np.float32)

    # Which attributes each caption names: shape always, plus detail−1 of the other three.
    others = np.argsort(rng.random((n, 3)), axis=1)[:, : detail - 1] + 1
    mentioned = np.zeros((n, 4), dtype=bool)
    mentioned[:, 0] = True
    np.put_along_axis(mentioned, others, True, axis=1)
    template = rng.integers(len(_TEMPLATES), size=n)
    captions = []
    for i in range(n):
        words = []
        if mentioned[i, 2]:
            words.append(SIZES[big[i]])
        if mentioned[i, 1]:
            words.append(COLOURS[colour[i]])
        words.append(SHAPES[shape[i]])
        if mentioned[i, 3]:
            words.append("in the " + POSITIONS[pos[i]])
        captions.append(_TEMPLATES[template[i]].format(" ".join(words)))

    attributes = {"shape": shape, "colour": colour, "size": big, "position": pos}
    config = {"n": n, "seed": seed, "image_size": size, "caption_detail": detail, "noise": noise, "distractor": distractor}
    return ShapesPairs(images, captions, attributes, mentioned, config, mask)


def make_splits(n_train: int = 8000, n_val: int = 1000, n_test: int = 1000, seed: int = 0, **kwargs) -> dict:
    """Train / val / test splits drawn with independent streams derived from ``seed``.

    Returns a dict ``{"train": ShapesPairs, "val": ..., "test": ...}`` (a split of size 0 is
    left out); extra keyword arguments go to :func:`make_shapes`.
    """
    seed = check_int(seed, "seed", minimum=0)
    sizes = {"train": n_train, "val": n_val, "test": n_test}
    for split, count in sizes.items():
        check_int(count, f"n_{split}", minimum=0)
    sizes = {split: count for split, count in sizes.items() if count > 0}
    # Splits never share a stream: seed*3 + offset is unique per (seed, split).
    return {split: make_shapes(count, seed=seed * 3 + _SPLIT_OFFSET[split], **kwargs) for split, count in sizes.items()}


def class_prompts(by: str = "shape", template: str = "a photo of a {}") -> list:
    """Zero-shot prompts, one per class, e.g. ``"a photo of a circle"``."""
    names = ShapesPairs(np.zeros((0, 3, 1, 1)), [], {}, np.zeros((0, 4), bool)).class_names(by)
    return [template.format(name) for name in names]


def distractor_prompts(colours=("pink", "orange", "white"), shapes=("star", "heart", "hexagon"),
                       template: str = "a photo of a {} {}") -> list:
    """Prompts for objects the data set never holds, one per (colour, shape), colours outermost.

    A zero-shot prediction that lands on one of them went to the wrong *kind* of class (chapter 3's
    bias measurement). Raises ValueError if a colour or shape does occur in the data.
    """
    colours, shapes = list(colours), list(shapes)
    present = sorted({*colours} & {*COLOURS} | {*shapes} & {*SHAPES})
    if not colours or not shapes or present:
        raise ValueError(f"colours and shapes must be non-empty and absent from the data set; present: {present}")
    return [template.format(colour, shape) for colour in colours for shape in shapes]


def circle_cones(n: int = 12, width_deg: float = 40.0, apart_deg: float = 100.0, seed: int = 0):
    """Two modalities as two cones on the unit circle, for diagrams: ``(x, y)``, float64 (n, 2) each.

    Image i sits at an angle drawn uniformly within ``width_deg`` around 0°; its caption at the same
    offset around ``apart_deg``, plus a little noise (±5°), so pair i keeps its place in both cones.
    """
    from ._validation import check_float, check_int

    n = check_int(n, "n", minimum=2)
    width = check_float(width_deg, "width_deg", positive=True, allow_zero=False)
    apart = check_float(apart_deg, "apart_deg")
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    offsets = rng.uniform(-width / 2, width / 2, n)
    x_angles = np.radians(offsets)
    y_angles = np.radians(apart + offsets + rng.uniform(-5, 5, n))
    return (np.stack([np.cos(x_angles), np.sin(x_angles)], axis=1),
            np.stack([np.cos(y_angles), np.sin(y_angles)], axis=1))
