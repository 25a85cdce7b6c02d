"""The sPyNNaker releases whose STDP arithmetic pycarl_backend.spinnaker follows.

sPyNNaker's additive pair STDP differs between the spynnaker8-era code (as
of 6.0) and the current release line, 7.x (sPyNNaker's own sources):

* the spynnaker8 era (6.0): weight_dependence_additive.py writes
  A_plus * w_max and A_minus * w_max ("Pre-multiply A+ and A- by Wmax");
  weight_additive_one_term_impl.h sums every pair of one presynaptic spike
  and clips once in weight_get_final; post_events_next_delayed keeps the
  dendritically delayed time only for the post spikes of the current window.
* the neuron arithmetic (fixed_point.py): the 5/6-era host writes truncated
  constants and the ARM code truncates products; 7.x derives the constants
  on the chip and rounds products to nearest.
* the random connectors (FixedProbability, FixedNumberPre/Post,
  FixedTotalNumber): the 6.0-era machine draws them from the connector's rng
  core by core (expander.py); 7.x seeds the machine from the population
  seed instead, and pycarl draws them from the rng with PyNN's distributions.
* 7.x: the same Python file writes A_plus and A_minus unscaled (in weight
  units); the C rule clips after each pair (MIN at w_max after potentiation,
  MAX at w_min after depression); synapse_dynamics_stdp_mad_impl.c adds the
  dendritic delay to the latest post spike whichever window it was in.

`setup(spynnaker_version=...)` picks one; without it, the default an
application set (the `pycarl` command turns $PYCARL_SPYNNAKER_VERSION into
one, so the script needs no change), else the current
release line (7), what `import pyNN.spiNNaker` gives today. Scripts written
for spynnaker8 (`import spynnaker8 as sim`) can ask for 6.
"""
from dataclasses import dataclass

from pyNN import errors

from .fixed_point import SPYNNAKER7_ARITHMETIC, SPYNNAKER8_ARITHMETIC


@dataclass(frozen=True)
class Release:
    name: str
    a_scaled_by_w_max: bool
    clips_per_pair: bool
    delays_every_depressing_post: bool
    arithmetic: object  # fixed_point.Arithmetic of the neuron models
    #: random connectors drawn as the spynnaker8-era synapse expander does (expander.py)
    expands_random_connectors: bool = False


SPYNNAKER_6 = Release("sPyNNaker <= 6 (spynnaker8)", a_scaled_by_w_max=True,
                      clips_per_pair=False, delays_every_depressing_post=False,
                      arithmetic=SPYNNAKER8_ARITHMETIC, expands_random_connectors=True)
SPYNNAKER_7 = Release("sPyNNaker >= 7", a_scaled_by_w_max=False,
                      clips_per_pair=True, delays_every_depressing_post=True,
                      arithmetic=SPYNNAKER7_ARITHMETIC)
DEFAULT_VERSION = 7


def release_named(version):
    """The Release for a version: 6 or 7, or a version string such as '6.0.0';
    None gives the default."""
    if isinstance(version, Release):
        return version
    if version is None:
        version = DEFAULT_VERSION
    text = str(version).strip()
    major = text.split(".")[0]
    if not major.isdigit() or int(major) < 1:
        raise errors.InvalidParameterValueError(
            f"setup(spynnaker_version={version!r}): give a sPyNNaker version such as 6, 7 "
            f"or '6.0.0'; releases up to 6.x follow the spynnaker8 STDP arithmetic, "
            f"7 and later the current one")
    return SPYNNAKER_6 if int(major) <= 6 else SPYNNAKER_7
