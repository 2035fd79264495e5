"""A record of the token-id arrays that sklrnn's encoders hand out.

``KmerEncoder(output="tokens")`` marks the arrays it returns; an estimator that receives one of
those very objects without an embedding warns that the ids would be read as numbers. Only the
objects themselves are recognised (a copy, a cast or a slice is not), so ordinary integer data
never raises the warning: a missed warning is possible, a false one is not.
"""

from __future__ import annotations

import weakref

import numpy as np

_MARKED: dict[int, weakref.ref] = {}


def mark_tokens(array: np.ndarray) -> np.ndarray:
    """Record ``array`` as token ids and return it.

    Parameters
    ----------
    array : ndarray
        Token ids handed out by an encoder.

    Returns
    -------
    array : ndarray
        The same object.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.utils._tokens import holds_marked_tokens, mark_tokens
    >>> ids = mark_tokens(np.array([[1, 2], [3, 4]]))
    >>> holds_marked_tokens(ids), holds_marked_tokens(ids.copy())
    (True, False)
    """
    key = id(array)
    _MARKED[key] = weakref.ref(array, lambda _, key=key: _MARKED.pop(key, None))
    return array


def holds_marked_tokens(X) -> bool:
    """Whether X is (or is a list whose first item is) an array recorded by :func:`mark_tokens`.

    Parameters
    ----------
    X : object
        Input of an estimator.

    Returns
    -------
    marked : bool
        True for an array handed out as token ids.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.utils._tokens import holds_marked_tokens
    >>> holds_marked_tokens(np.arange(3))
    False
    """
    if isinstance(X, list) and X:
        X = X[0]
    ref = _MARKED.get(id(X))
    return ref is not None and ref() is X
