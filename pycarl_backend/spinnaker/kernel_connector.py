"""sPyNNaker's KernelConnector: 2D populations joined through a kernel.

The pre and post populations are row-major 2D grids (shape (rows, columns));
post cell (r, c) sits at (post_start + r * post_step, ...) of the common
(pre) grid; that position, mapped back into post-sampled pre coordinates
(((x - pre_start - 1) // pre_step) + 1), is compared with each pre cell that
lies on the pre sampling grid; the kernel entry at (half_h - dr, half_w - dc)
connects them, with the kernel's weight and delay. Facts from sPyNNaker 6's
kernel_connector.py (__compute_statistics, __pre_as_post, __get_kernel_vals)
and synapse_expander/common_kernel.c, connection_generator_kernel.h, which
compute the same set on the machine.

Kernel values: an array of the kernel's shape, a scalar, or a
RandomDistribution (one draw per kernel entry); without a weight or delay
kernel, the synapse type's weight or delay takes its place, in the same
forms. Not followed: the machine's choice of the inhibitory synapse type for
negative kernel weights (weights are magnitudes here, weights.py).
"""
from copy import deepcopy

import numpy as np
from pyNN import connectors as pc
from pyNN import errors
from pyNN.random import RandomDistribution
from pyNN.standardmodels import StandardSynapseType

from ..connectors import add_connections
from .exceptions import ConnectorException

HEIGHT, WIDTH = 0, 1


def _pair(value, default, what):
    if value is None:
        return default
    try:
        pair = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        pair = ()
    if len(pair) != 2:
        raise errors.InvalidParameterValueError(
            f"KernelConnector({what}={value!r}): give (rows, columns), two integers")
    return pair


class KernelConnector(pc.Connector):
    """Connect post(row, col) to the pre cells under a kernel, with the
    kernel's weights and delays (sPyNNaker's KernelConnector)."""

    def __init__(self, shape_pre, shape_post, shape_kernel, weight_kernel=None,
                 delay_kernel=None, shape_common=None, pre_sample_steps_in_post=None,
                 pre_start_coords_in_post=None, post_sample_steps_in_pre=None,
                 post_start_coords_in_pre=None, safe=True, space=None, verbose=False,
                 callback=None):
        super().__init__(safe=safe, callback=callback)
        self.verbose = verbose
        self.shape_pre = _pair(shape_pre, None, "shape_pre")
        self.shape_post = _pair(shape_post, None, "shape_post")
        self.shape_kernel = _pair(shape_kernel, None, "shape_kernel")
        self.shape_common = _pair(shape_common, self.shape_pre, "shape_common")
        self.pre_step = _pair(pre_sample_steps_in_post, (1, 1), "pre_sample_steps_in_post")
        self.pre_start = _pair(pre_start_coords_in_post, (0, 0), "pre_start_coords_in_post")
        self.post_step = _pair(post_sample_steps_in_pre, (1, 1), "post_sample_steps_in_pre")
        self.post_start = _pair(post_start_coords_in_pre, (0, 0), "post_start_coords_in_pre")
        if min(self.pre_step + self.post_step) < 1:
            raise errors.InvalidParameterValueError(
                f"KernelConnector: sample steps must be >= 1, got pre {self.pre_step}, "
                f"post {self.post_step}")
        self.weight_kernel = self._kernel_values(weight_kernel, "weight_kernel")
        self.delay_kernel = self._kernel_values(delay_kernel, "delay_kernel")

    def _kernel_values(self, values, what):
        if values is None:
            return None
        shape = self.shape_kernel
        if isinstance(values, RandomDistribution):
            return np.asarray(values.next(shape[0] * shape[1]), dtype=float).reshape(shape)
        if np.isscalar(values):
            return np.full(shape, float(values))
        array = np.asarray(values, dtype=float)
        if array.shape != shape:
            raise ConnectorException(
                f"KernelConnector({what}): shape {array.shape} differs from shape_kernel "
                f"{shape}; give an array of the kernel's shape, a number or a "
                f"RandomDistribution")
        return array

    def pairs(self, n_pre, n_post):
        """(pre, post, kernel row, kernel column) of every connection, pre-major."""
        pre_w, post_w = self.shape_pre[WIDTH], self.shape_post[WIDTH]
        k_h, k_w = self.shape_kernel
        pre = np.arange(n_pre)
        pre_r, pre_c = np.divmod(pre, pre_w)
        on_grid = (((pre_r - self.pre_start[HEIGHT]) % self.pre_step[HEIGHT] == 0)
                   & ((pre_c - self.pre_start[WIDTH]) % self.pre_step[WIDTH] == 0))
        pre, pre_r, pre_c = pre[on_grid], pre_r[on_grid], pre_c[on_grid]
        post = np.arange(n_post)
        post_r, post_c = np.divmod(post, post_w)
        common_r = self.post_start[HEIGHT] + post_r * self.post_step[HEIGHT]
        common_c = self.post_start[WIDTH] + post_c * self.post_step[WIDTH]
        as_pre_r = (common_r - self.pre_start[HEIGHT] - 1) // self.pre_step[HEIGHT] + 1
        as_pre_c = (common_c - self.pre_start[WIDTH] - 1) // self.pre_step[WIDTH] + 1
        k_r = k_h // 2 - (as_pre_r[None, :] - pre_r[:, None])
        k_c = k_w // 2 - (as_pre_c[None, :] - pre_c[:, None])
        inside = (k_r >= 0) & (k_r < k_h) & (k_c >= 0) & (k_c < k_w)
        i, j = np.nonzero(inside)
        return pre[i], post[j], k_r[i, j], k_c[i, j]

    def connect(self, projection):
        pre, post, k_r, k_c = self.pairs(projection.pre.size, projection.post.size)
        synapse_type = projection.synapse_type
        parameters = deepcopy(synapse_type.parameter_space)
        parameters.shape = (pre.size,)
        for name, kernel in (("weight", self.weight_kernel), ("delay", self.delay_kernel)):
            if name not in parameters.keys():
                continue
            if kernel is None:  # the synapse's value, as a kernel (one value per entry)
                kernel = self._kernel_values(parameters[name].base_value, name)
            parameters.update(**{name: kernel[k_r, k_c]})
        if isinstance(synapse_type, StandardSynapseType):
            parameters = synapse_type.translate(parameters)
        parameters.evaluate()
        add_connections(projection, self, pre, post, dict(parameters.items()))
        if self.callback is not None:
            self.callback(1.0)


__all__ = ["KernelConnector"]
