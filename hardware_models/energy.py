"""Per-event energy and hardware time per tick.

Energy of a tick (all in pJ, figures from the chip YAML's ``energy`` section):
  neuron_idle_pj x neurons mapped (every compartment is visited every tick)
+ (neuron_update_pj - neuron_idle_pj) x active neurons
  (Davies 2018 gives an inactive and an active neuron-update figure; SANA-FE's
  pipeline charges energy_access_neuron to every neuron and adds
  energy_update_neuron to the updated ones, src/pipeline.hpp). Active neurons
  of a core in a tick: min(neurons, spikes + synaptic events) there, an
  upper bound on the compartments that received input or fired (modelling
  choice: the chip model sees spikes, not potentials, so a compartment that
  only leaks or integrates its bias counts as inactive). Without
  neuron_idle_pj every neuron is charged neuron_update_pj every tick.
+ spike_out_pj     x spikes fired on chip (splitter neurons included)
+ (message_out_pj + message_in_pj) x packets
+ per-packet network energy (hop_local_pj within a router, hop_x_pj / hop_y_pj
  per mesh hop; DYNAP-SE: hop_x_pj for R2 routing, hop_chip_pj per R3 hop)
+ synop_pj x synaptic events (one per synapse reached by a packet).

Busy time of a tick (ns, ``timing`` section): every core runs its
time-multiplexed pipeline,
  core_c = neurons_c * neuron_idle_ns + active_c * (neuron_update_ns - neuron_idle_ns)
         + spikes_c * spike_out_ns
         + packets_out_c * message_out_ns + packets_in_c * message_in_ns
         + synops_c * synop_ns,
the network finishes when the last packet is delivered and processed
(arrival + message_in_ns + its synops * synop_ns), and a barrier follows:
  busy = max(max_c core_c, network) + barrier,
where, with ``timing.receive_backpressure`` (Loihi), network is also at least
the drain time of the most loaded link (backpressure.py),
with barrier = timing.barrier_table_ns[largest key <= tiles used] when the
table is given, else timing.barrier_ns.
Hardware time per tick: TrueNorth-style ``tick`` chips: the fixed tick_ns;
``barrier`` chips: busy (at least tick_ns when a real-time tick is set);
``async`` chips: the simulation step (real time).
"""
import numpy as np


class EnergyModel:
    def __init__(self, spec, tiles_used):
        e = spec.get("energy")
        t = spec.get("timing")
        self.e_upd = float(e["neuron_update_pj"])
        self.e_idle = self.e_upd if e.get("neuron_idle_pj") is None else float(e["neuron_idle_pj"])
        self.e_spike = float(e["spike_out_pj"])
        self.e_msg = float(e["message_out_pj"]) + float(e["message_in_pj"])
        self.e_syn = float(e["synop_pj"])
        self.t_upd = float(t["neuron_update_ns"])
        self.t_idle = self.t_upd if t.get("neuron_idle_ns") is None else float(t["neuron_idle_ns"])
        self.t_spike = float(t["spike_out_ns"])
        self.t_out = float(t["message_out_ns"])
        self.t_in = float(t["message_in_ns"])
        self.t_syn = float(t["synop_ns"])
        table = t.get("barrier_table_ns") or {}
        if table:
            keys = sorted(int(k) for k in table)
            chosen = keys[0]
            for k in keys:
                if k <= tiles_used:
                    chosen = k
            self.barrier = float(table[chosen] if chosen in table else table[str(chosen)])
        else:
            self.barrier = float(t["barrier_ns"])

    @staticmethod
    def active(neurons, spikes, synops):
        """Active neurons per core (see the module docstring)."""
        return np.minimum(neurons, np.asarray(spikes) + np.asarray(synops))

    def core_times(self, neurons, spikes, pk_out, pk_in, synops, active=None):
        active = neurons if active is None else active
        return (neurons * self.t_idle + active * (self.t_upd - self.t_idle)
                + spikes * self.t_spike + pk_out * self.t_out
                + pk_in * self.t_in + synops * self.t_syn)
