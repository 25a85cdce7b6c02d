"""sPyNNaker's run reports: the report folder and its provenance database.

After every run sPyNNaker writes, under the run's report folder,
provenance_data/provenance.sqlite3, whose `provenance_view` gives one row per
(source, item, value); scripts and sPyNNaker's own tests read items from it
(e.g. a population's "Number_of_rewires", the synapses structural
plasticity formed or removed). Here run() does the same, for the items the
engine counts:

* Number_of_rewires: successful formations plus eliminations of each
  population with structural plasticity (structural.py), one row per
  population, source "<label>:<first>:<last>" (the cells of the core);
* Number_of_rewire_attempts: the attempts made (sPyNNaker's count_rewire_attempts).

The folder is setup(report_directory=...) or, by default, a fresh temporary
folder per setup(); `report_directory()` gives it.
"""
import os
import sqlite3
import tempfile

from .. import control as _control
from .. import simulator

PROVENANCE_FOLDER = "provenance_data"
PROVENANCE_FILE = "provenance.sqlite3"


def report_directory():
    """The report folder of the current setup() (made on first use)."""
    state = simulator.state
    state.require_setup("report_directory()")
    folder = getattr(state, "spinnaker_report_directory", None)
    if folder is None:
        folder = tempfile.mkdtemp(prefix="pycarl_spinnaker_reports_")
        state.spinnaker_report_directory = folder
    os.makedirs(folder, exist_ok=True)
    return folder


def provenance_rows():
    """(source_name, description_name, the_value) of the engine's counters."""
    engine = simulator.state.engine
    rewirings = getattr(engine, "spinnaker_rewirings", {}) if engine is not None else {}
    rows = []
    for rewiring in rewirings.values():
        population = rewiring.population
        source = f"{population.label}:0:{population.size - 1}"
        rows.append((source, "Number_of_rewires", int(rewiring.n_rewires)))
        rows.append((source, "Number_of_rewire_attempts", int(rewiring.n_attempts)))
    return rows


def write_provenance():
    """(Re)write provenance_data/provenance.sqlite3 with provenance_rows()."""
    folder = os.path.join(report_directory(), PROVENANCE_FOLDER)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, PROVENANCE_FILE)
    with sqlite3.connect(path) as db:
        db.execute("DROP VIEW IF EXISTS provenance_view")
        db.execute("DROP TABLE IF EXISTS provenance")
        db.execute("CREATE TABLE provenance (source_name TEXT, description_name TEXT, "
                   "the_value INTEGER)")
        db.executemany("INSERT INTO provenance VALUES (?, ?, ?)", provenance_rows())
        db.execute("CREATE VIEW provenance_view AS "
                   "SELECT source_name, description_name, the_value FROM provenance")
    return path


def run(simtime, callbacks=None):
    result = _control.run(simtime, callbacks)
    write_provenance()
    return result


def run_until(time_point, callbacks=None):
    result = _control.run_until(time_point, callbacks)
    write_provenance()
    return result


run.__doc__ = (_control.run.__doc__ or "") + "\n\nWrites the provenance database (reports.py)."
run_until.__doc__ = (_control.run_until.__doc__ or "") + "\n\nWrites the provenance database."
run_for = run
