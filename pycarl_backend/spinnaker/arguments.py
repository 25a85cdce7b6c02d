"""sPyNNaker's constructor conventions for cell types.

sPyNNaker's cell types take their parameters positionally in a fixed order
(e.g. ``SpikeSourceArray(times)``, ``SpikeSourcePoisson(rate)``,
``IF_curr_exp(tau_m, cm, ...)``, the order of sPyNNaker's
``spynnaker/pyNN/models/neuron/builds/*.py`` signatures) and accept the
initial values of state variables among the parameters
(``IF_curr_exp(v=-60.0)``, ``Population(n, IF_curr_exp, {"v": -60.0})``).
`SpiNNakerArguments` maps both onto PyNN's keyword-only cell types; the
initial values are handed to the Population (populations.py).
"""


class SpiNNakerArguments:
    """Mixin for a PyNN cell type: sPyNNaker's positional order and initial values."""

    #: sPyNNaker's argument order (parameters first, then state variables)
    positional = ()

    def __init__(self, *args, **parameters):
        name = type(self).__name__
        if len(args) > len(self.positional):
            raise TypeError(
                f"{name}() takes at most {len(self.positional)} positional arguments "
                f"({', '.join(self.positional)}), got {len(args)}")
        for key, value in zip(self.positional, args):
            if key in parameters:
                raise TypeError(f"{name}(): '{key}' given positionally and by name")
            parameters[key] = value
        initial_names = set(getattr(self, "default_initial_values", {}))
        #: state-variable values given among the parameters (sPyNNaker's form)
        self.initial_values_given = {key: parameters.pop(key) for key in list(parameters)
                                     if key in initial_names}
        super().__init__(**parameters)
