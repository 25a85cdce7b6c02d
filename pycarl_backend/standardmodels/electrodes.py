"""Current sources (electrodes). Filled in by the electrodes module."""
