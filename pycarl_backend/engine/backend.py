"""Choice of the array module (`xp`): NumPy on the CPU, CuPy on a GPU.

The engine is written once against `xp`; this module decides, once per
`setup()`, which module that is.
"""
import numpy as np

_VALID_DEVICES = ("auto", "cpu", "gpu")


def cupy_or_none():
    """CuPy if it is installed and sees a usable GPU, else None."""
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
    except Exception:  # ImportError, or a CUDA runtime without a device
        pass
    return None


def select_xp(device="auto"):
    """Return (xp, device_name) for setup(device=...)."""
    if device not in _VALID_DEVICES:
        raise ValueError(f"setup(device={device!r}): device must be one of {_VALID_DEVICES}")
    if device == "cpu":
        return np, "cpu"
    cp = cupy_or_none()
    if cp is None:
        if device == "gpu":
            raise RuntimeError("setup(device='gpu') needs CuPy and a CUDA GPU; none was found "
                               "(install the 'gpu' extra: pip install pycarl[gpu])")
        return np, "cpu"
    return cp, "gpu"


def to_numpy(array):
    """Copy an xp array to host memory (no-op for NumPy arrays)."""
    if isinstance(array, np.ndarray):
        return array
    get = getattr(array, "get", None)
    return get() if get is not None else np.asarray(array)


def scatter_add(xp, target, index, values):
    """target[index] += values, accumulating repeated indices."""
    if xp is np:
        np.add.at(target, index, values)
    else:
        import cupyx
        cupyx.scatter_add(target, index, values)


def repeat_arange(xp, counts, total):
    """arange(len(counts)) with element i repeated counts[i] times (`total` = counts.sum()).

    np.repeat with an array of counts; CuPy's repeat takes no device array of
    counts, so there each entry finds its row by a search in the cumulative counts.
    """
    if xp is np:
        return np.repeat(np.arange(counts.size), counts)
    ends = xp.cumsum(counts)
    return xp.searchsorted(ends, xp.arange(total), side="right")
