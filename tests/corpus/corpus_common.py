"""Shared project code imported by corpus flows (not a flow): constants, a package
helper and a mixin with a Parameter and a helper method."""

from metaflow import Parameter

PYTHON = "3.11"
TRAINING_EPOCHS = 5

PACKAGES = {"scikit-learn": "1.5.2", "pandas": "2.2.2", "numpy": "1.26.4"}


def packages(*names):
    """Pinned versions of the named packages."""
    return {name: PACKAGES[name] for name in names if name in PACKAGES}


class SeedMixin:
    """Adds a seed parameter and a deterministic sampler."""

    seed = Parameter("seed", default=42, help="Random seed")

    def sample(self, population, count):
        """``count`` items of ``population`` chosen with the flow's seed."""
        import random

        return random.Random(self.seed).sample(population, count)
