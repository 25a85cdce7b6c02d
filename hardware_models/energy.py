"""Per-event energy and hardware time per tick.

Energy of a tick (all in pJ, figures from the chip YAML's ``energy`` section):
  neuron_update_pj x neurons mapped (every neuron is updated every tick)
+ spike_out_pj     x spikes fired on chip (splitter neurons included)
+ (message_out_pj + message_in_pj) x packets
+ per-packet network energy (hop_local_pj within a router, hop_x_pj / hop_y_pj
  per mesh hop; DYNAP-SE: hop_x_pj for R2 routing, hop_chip_pj per R3 hop)
+ synop_pj x synaptic events (one per synapse reached by a packet).

Busy time of a tick (ns, ``timing`` section): every core runs its
time-multiplexed pipeline,
  core_c = neurons_c * neuron_update_ns + spikes_c * spike_out_ns
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


class EnergyModel:
    def __init__(self, spec, tiles_used):
        e = spec.get("energy")
        t = spec.get("timing")
        self.e_upd = float(e["neuron_update_pj"])
        self.e_spike = float(e["spike_out_pj"])
        self.e_msg = float(e["message_out_pj"]) + float(e["message_in_pj"])
        self.e_syn = float(e["synop_pj"])
        self.t_upd = float(t["neuron_update_ns"])
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

    def core_times(self, neurons, spikes, pk_out, pk_in, synops):
        return (neurons * self.t_upd + spikes * self.t_spike + pk_out * self.t_out
                + pk_in * self.t_in + synops * self.t_syn)
