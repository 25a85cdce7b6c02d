"""Run sPyNNaker's own integration tests, unmodified, on pycarl_backend.spinnaker.

    python benchmarks/spynnaker_it.py [--tree /tmp/spynnaker_it] [--export MIRROR]

The tests are sPyNNaker8's ``p8_integration_tests`` (the spynnaker8 5.1.1
tree, commit 1935a29c, the last before they moved into sPyNNaker; they come
with the machine's recorded synfire data). They are not part of this
repository: ``--export MIRROR`` writes them from a git mirror of
github.com/SpiNNakerManchester/sPyNNaker8 into ``--tree``. The pytest plugin
benchmarks/spynnaker_it_shim.py maps their imports (``spynnaker8``,
``pyNN.spiNNaker``, the machine-side modules) onto pycarl.

The methods are counted per area of pycarl issue 17; the methods that test
the machine itself (live I/O, SDRAM-driven auto pause and resume, board
configuration, sPyNNaker's internal vertices and graphs) are excluded, with
the reason, and not run, as is one upstream test that numpy >= 1.24 breaks
before it compares anything (its fact is checked in
tests/test_spinnaker_connectors.py). Prints passed / failed / excluded per area, the
failures with their first error line, and the pass rate of the methods a
software simulator can meet.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
COMMIT = "1935a29c313e8c71459a091baa1037d050b9b1df"
QUICK = "p8_integration_tests/quick_test"

#: area -> test folders/files under quick_test
AREAS = {
    "synfire chains": ["test_param_vertex_retrieval_from_board_after_1_run",
                       "test_various/test_synfire_if_curr_exp_x6.py",
                       "test_various/test_synfire_Izhikevich.py",
                       "test_various/test_one_pop_lif_example.py"],
    "STDP and structural plasticity": ["test_stdp", "test_struct_pl"],
    "neuron numerics and parameters": ["test_change_neuron_parameters_between_runs",
                                       "test_various/test_params_set_as_list.py",
                                       "test_various/test_params_using_random_dists.py",
                                       "test_various/test_multi_step.py",
                                       "test_synapses",
                                       "test_additional_params_on_pop_not_recogonised"],
    "spike sources": ["test_spike_source", "test_various/test_spike_source_array_get_data.py",
                      "test_various/test_bigMultiProcessorSpikeSourcePrint.py"],
    "connectors": ["test_connectors", "test_array_connector", "test_grid_based_connectors",
                   "test_reuse_connector", "test_various/test_synaptic_expander.py",
                   "test_various/test_fixed_number_on_two_cores.py",
                   "test_projection_param_retrieval_from_board", "test_views"],
    "delays": ["test_0_1_time_steps", "test_various/test_reset_clears_delayed_spike.py"],
    "recording, reset and multi-run": ["test_multi_call_examples", "test_selective_recording",
                                       "test_various/test_tiny_with_reset.py",
                                       "test_various/test_projections_between_runs.py",
                                       "test_auto_pause_and_resume_tests",
                                       "test_various/test_spike_io_multi_run.py",
                                       "test_various/test_multiboard_spike_output.py"],
}

#: test (file or file::Class::method under quick_test) -> why it needs the machine
MACHINE_ONLY = {
    "test_auto_pause_and_resume_tests": "SDRAM-driven auto pause and resume of the machine "
                                        "(asserts how often the machine paused, or a "
                                        "PacmanPartitionException for too little SDRAM)",
    "test_various/test_spike_io_multi_run.py": "live spike injection and output over the "
                                               "network (external_devices)",
    "test_various/test_multiboard_spike_output.py": "live spike output from several boards",
    "test_spike_source/test_poisson_spike_source.py::TestPoissonSpikeSource::"
    "test_poisson_live_rates": "live Poisson rate control over the database connection",
    "test_connectors/test_connectors.py::ConnectorsTest::"
    "test_onetoone_multicore_population_views": "reads sPyNNaker's machine graph",
    "test_additional_params_on_pop_not_recogonised/test_additional_params_mix.py":
        "reads sPyNNaker's vertex object (pop._vertex.spikes_per_second)",
    "test_additional_params_on_pop_not_recogonised/test_additional_params_needed.py":
        "reads sPyNNaker's vertex object (pop._vertex.spikes_per_second)",
    "test_0_1_time_steps/test_allow_violate/test_allow.py": "faster-than-real-time overload "
                                                            "of the machine (0.1 ms ticks)",
}


#: test -> why the upstream test itself cannot run on today's numpy (excluded like the above)
BROKEN_UPSTREAM = {
    "test_spike_source/test_spike_source_array.py::TestSpikeSourceArray::"
    "test_recording_with_empty_lists": "the test compares ragged lists with "
                                       "numpy.testing.assert_array_equal, which numpy >= 1.24 "
                                       "refuses (inhomogeneous shape) before comparing",
}
EXCLUDED = {**MACHINE_ONLY, **BROKEN_UPSTREAM}


def export_tree(mirror, tree):
    """Write the saved tests (and spynnaker8's plotting helper) from a git mirror."""
    names = subprocess.run(
        ["git", "--git-dir", mirror, "ls-tree", "-r", "--name-only", COMMIT,
         "p8_integration_tests", "spynnaker8/spynnaker_plotting.py"],
        check=True, capture_output=True, text=True).stdout.split("\n")
    for name in filter(None, names):
        blob = subprocess.run(["git", "--git-dir", mirror, "show", f"{COMMIT}:{name}"],
                              capture_output=True)
        if blob.returncode:      # large files the mirror holds no copy of
            print(f"not in the mirror: {name}", file=sys.stderr)
            continue
        path = os.path.join(tree, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(blob.stdout)


def area_of(relative):
    for area, entries in AREAS.items():
        for entry in entries:
            if relative == entry or relative.startswith(entry.rstrip("/") + "/") \
                    or relative.startswith(entry + "::"):
                return area
    return None


def excluded_reason(nodeid):
    for entry, reason in EXCLUDED.items():
        if nodeid == entry or nodeid.startswith(entry + "::") or nodeid.startswith(entry + "/"):
            return reason
    return None


def run(tree, timeout):
    targets = sorted({entry for entries in AREAS.values() for entry in entries})
    paths = [os.path.join(QUICK, t) for t in targets
             if os.path.exists(os.path.join(tree, QUICK, t))]
    junit = os.path.join(tempfile.mkdtemp(prefix="spynnaker_it_"), "results.xml")
    env = dict(os.environ, SPYNNAKER_IT_TREE=tree,
               PYTHONPATH=os.pathsep.join([REPO, HERE, tree, os.environ.get("PYTHONPATH", "")]))
    deselect = []
    for entry in EXCLUDED:
        option = "--deselect" if "::" in entry else "--ignore"
        deselect += [option, f"{QUICK}/{entry}"]
    command = [sys.executable, "-m", "pytest", "-p", "spynnaker_it_shim", "-q",
               "-p", "no:cacheprovider", "--continue-on-collection-errors",
               f"--timeout={timeout}", "--tb=line", f"--junitxml={junit}", *deselect, *paths]
    subprocess.run(command, cwd=tree, env=env, stdout=subprocess.DEVNULL)
    return ElementTree.parse(junit).getroot()


def collect(root):
    results = []   # (nodeid under quick_test, outcome, message)
    for case in root.iter("testcase"):
        classname, name = case.get("classname"), case.get("name")
        module, _, cls = classname.rpartition(".")
        relative = module.replace(".", "/").split("quick_test/", 1)[-1] + ".py"
        nodeid = f"{relative}::{cls}::{name}"
        outcome, message = "passed", ""
        for tag in ("failure", "error"):
            node = case.find(tag)
            if node is not None:
                outcome = "failed"
                text = (node.get("message") or node.text or "").strip()
                message = text.splitlines()[0][:160] if text else tag
        if case.find("skipped") is not None:
            outcome, message = "skipped", (case.find("skipped").get("message") or "")[:160]
        if outcome == "failed" and "FileNotFoundError" in message and ".csv" in message:
            outcome = "no data"   # the machine's recording is absent from the mirror
        if excluded_reason(nodeid) is None:
            results.append((nodeid, outcome, message))
    return results


def machine_only_methods(tree):
    """The excluded methods (collected, not run), with their reasons."""
    env = dict(os.environ, SPYNNAKER_IT_TREE=tree,
               PYTHONPATH=os.pathsep.join([REPO, HERE, tree, os.environ.get("PYTHONPATH", "")]))
    paths = [os.path.join(QUICK, e.split("::")[0]) for e in EXCLUDED]
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "spynnaker_it_shim",
                          "--collect-only", "-q", "-p", "no:cacheprovider", *sorted(set(paths))],
                         cwd=tree, env=env, capture_output=True, text=True).stdout
    methods = []
    for line in out.splitlines():
        if "::" in line:
            nodeid = line.strip().split("quick_test/", 1)[-1]
            reason = excluded_reason(nodeid)
            if reason:
                methods.append((nodeid, reason))
    return methods


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default="/tmp/spynnaker_it")
    parser.add_argument("--export", metavar="MIRROR", help="git dir of a sPyNNaker8 mirror")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per test")
    args = parser.parse_args(argv)
    if args.export:
        export_tree(args.export, args.tree)
    results = collect(run(args.tree, args.timeout))
    excluded = machine_only_methods(args.tree)
    by_area = {}
    for nodeid, outcome, message in results:
        by_area.setdefault(area_of(nodeid) or "other", []).append((nodeid, outcome, message))
    for nodeid, reason in excluded:
        by_area.setdefault(area_of(nodeid) or "other", []).append((nodeid, "excluded", reason))
    totals = {"passed": 0, "failed": 0, "skipped": 0, "no data": 0, "excluded": 0}
    print(f"{'area':34s} passed failed skipped no-data excluded")
    for area in list(AREAS) + ["other"]:
        rows = by_area.get(area, [])
        if not rows:
            continue
        counts = {k: sum(1 for r in rows if r[1] == k) for k in totals}
        for k in totals:
            totals[k] += counts[k]
        print(f"{area:34s} {counts['passed']:6d} {counts['failed']:6d} {counts['skipped']:7d} "
              f"{counts['no data']:7d} {counts['excluded']:8d}")
    meetable = totals["passed"] + totals["failed"]
    print(f"{'all':34s} {totals['passed']:6d} {totals['failed']:6d} {totals['skipped']:7d} "
          f"{totals['no data']:7d} {totals['excluded']:8d}")
    print("(no data: the test compares with a recording of the machine that the mirror "
          "does not hold; excluded: needs the machine itself, or the upstream test breaks "
          "on today's numpy)")
    print(f"pass rate of the methods a software simulator can meet: "
          f"{totals['passed']}/{meetable} = {100.0 * totals['passed'] / max(meetable, 1):.1f}%")
    for label, kind in (("failed", "failed"), ("skipped", "skipped"),
                        ("no data (recording absent from the mirror)", "no data"),
                        ("excluded (machine only, or the upstream test cannot run on "
                         "today's numpy)", "excluded")):
        rows = [r for rows in by_area.values() for r in rows if r[1] == kind]
        if rows:
            print(f"\n{label}:")
            for nodeid, _, message in sorted(rows):
                print(f"  {nodeid}\n      {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
