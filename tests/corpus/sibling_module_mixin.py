"""A flow whose mixin, constants and package pins come from a sibling module,
with decorator arguments computed by a helper call (the layout of larger projects)."""

from metaflow import FlowSpec, card, step

from corpus_common import TRAINING_EPOCHS, SeedMixin


class SiblingMixinFlow(FlowSpec, SeedMixin):
    """Sample with the mixin's seed parameter."""

    @card
    @step
    def start(self):
        self.picked = self.sample(list(range(100)), 3)
        self.epochs = TRAINING_EPOCHS
        self.next(self.end)

    @step
    def end(self):
        print("picked", self.picked, "for", self.epochs, "epochs")


if __name__ == "__main__":
    SiblingMixinFlow()
