"""The pycarl application: the `pycarl` command and what it runs.

It uses both library packages and neither imports it: `pycarl_backend` (the
PyNN backend and its engine) runs the scripts, `hardware_models` (the chips)
co-simulates them; here are the command line (cli), running an unmodified
script (scriptrun, settings, capture), the software-vs-chip comparison
(compare, metrics, attribution by chip effect, events), design-space sweeps
(sweep, explore) and the HTML reports (report, compare_report).
``python -m pycarl`` is the `pycarl` command.
"""
