"""Image sequences whose class needs both the frames and their order: digits moving sideways."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_random_state

from ..utils.validation import check_positive_int

DIGIT_SIZE = 8
DIRECTIONS = ("left-to-right", "right-to-left")

DESCR = """\
.. _moving_digits_dataset:

Moving digits
-------------

Short videos of a handwritten digit (the 8x8 images of scikit-learn's ``load_digits``, scaled
to [0, 1]) gliding horizontally across a dark square canvas at a constant speed and height.

The class is ``target = 2 * digit + direction``, 20 classes, where direction 0 is
left-to-right and 1 is right-to-left. A right-to-left video is a left-to-right video played
backwards: both directions show exactly the same set of frames, so a model that treats the
frames as an unordered bag cannot do better than chance on the direction; it has to read the
order of the frames. Recognising the digit needs the content of the frames.
"""


def make_moving_digits(
    n_samples: int = 1000,
    n_frames: int = 10,
    canvas_size: int = 24,
    random_state=None,
    return_X_y: bool = False,
):
    """Generate videos of handwritten digits moving left or right.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of videos.
    n_frames : int, default=10
        Frames per video, at least 2.
    canvas_size : int, default=24
        Height and width of the frames in pixels, at least 10 (the digits are 8x8).
    random_state : int, RandomState instance or None, default=None
        Seed of the choice of digits, paths and directions.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (n_samples, n_frames, canvas_size, canvas_size)
            float32 videos with values in [0, 1].
        target : ndarray of shape (n_samples,)
            ``2 * digit + direction``.
        digit : ndarray of shape (n_samples,)
            The digit shown, 0-9.
        direction : ndarray of shape (n_samples,)
            0 for left-to-right, 1 for right-to-left.
        target_names : list of str
            Names of the 20 classes, e.g. ``"3 right-to-left"``.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    See Also
    --------
    sklearn.datasets.load_digits : The images the videos are made of.

    Examples
    --------
    >>> from sklrnn.datasets import make_moving_digits
    >>> videos = make_moving_digits(n_samples=4, n_frames=6, random_state=0)
    >>> videos.data.shape, videos.data.dtype
    ((4, 6, 24, 24), dtype('float32'))
    >>> bool((videos.target == 2 * videos.digit + videos.direction).all())
    True
    """
    check_positive_int(n_samples, "n_samples")
    check_positive_int(n_frames, "n_frames", minimum=2)
    check_positive_int(canvas_size, "canvas_size", minimum=DIGIT_SIZE + 2)
    rng = check_random_state(random_state)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    choice = rng.randint(len(images), size=n_samples)
    direction = rng.randint(2, size=n_samples)

    span = canvas_size - DIGIT_SIZE  # left edges 0..span keep the digit inside the canvas
    travel = rng.randint((span + 1) // 2, span + 1, size=n_samples)  # at least half the span
    start = (rng.random_sample(n_samples) * (span - travel + 1)).astype(int)
    top = rng.randint(span + 1, size=n_samples)
    steps = np.linspace(0.0, 1.0, n_frames)
    left = np.rint(start[:, None] + travel[:, None] * steps[None, :]).astype(int)  # [N, T]
    left = np.where(direction[:, None] == 1, left[:, ::-1], left)  # right-to-left: reversed

    data = np.zeros((n_samples, n_frames, canvas_size, canvas_size), dtype=np.float32)
    rows = top[:, None, None] + np.arange(DIGIT_SIZE)[None, :, None]  # [N, 8, 1]
    for t in range(n_frames):
        cols = left[:, t, None, None] + np.arange(DIGIT_SIZE)[None, None, :]  # [N, 1, 8]
        data[np.arange(n_samples)[:, None, None], t, rows, cols] = images[choice]
    digit = digits.target[choice].astype(np.int64)
    target = 2 * digit + direction
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        digit=digit,
        direction=direction.astype(np.int64),
        target_names=[f"{d} {name}" for d in range(10) for name in DIRECTIONS],
        DESCR=DESCR,
    )
