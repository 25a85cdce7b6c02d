"""Delay ring buffers: synaptic input waiting to arrive at a population."""


class InputRing:
    """Input per (arrival step, receptor, cell) for one population.

    Stored as a 2D array of shape (slots, n_receptors * n_cells); the column of
    (receptor r, cell j) is r * n_cells + j. Slot `step % slots` holds the input
    that arrives during `step`.
    """

    def __init__(self, xp, n_cells, receptors, slots=2):
        self.xp = xp
        self.n_cells = n_cells
        self.receptors = list(receptors)
        self.slots = max(int(slots), 2)
        self.buffer = xp.zeros((self.slots, len(self.receptors) * n_cells), dtype=xp.float64)
        self.flat = self.buffer.reshape(-1)

    @property
    def width(self):
        return self.buffer.shape[1]

    def column_offset(self, receptor):
        return self.receptors.index(receptor) * self.n_cells

    def ensure_slots(self, slots, current_step):
        """Grow to at least `slots`, keeping pending input at its arrival step."""
        if slots <= self.slots:
            return
        xp = self.xp
        new = xp.zeros((slots, self.width), dtype=xp.float64)
        for k in range(self.slots):
            step = current_step + k
            new[step % slots] = self.buffer[step % self.slots]
        self.slots = slots
        self.buffer = new
        self.flat = new.reshape(-1)

    def arriving(self, step):
        """Views, one per receptor, of the input arriving during `step`."""
        row = self.buffer[step % self.slots]
        n = self.n_cells
        return [row[i * n:(i + 1) * n] for i in range(len(self.receptors))]

    def consume(self, step):
        self.buffer[step % self.slots] = 0.0

    def clear(self):
        self.buffer[...] = 0.0
