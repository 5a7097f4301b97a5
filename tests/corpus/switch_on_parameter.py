"""Metaflow >= 2.18 switch whose condition names a Parameter; one case goes straight to end."""

from metaflow import FlowSpec, Parameter, card, step


class ConditionalSkipFlow(FlowSpec):
    """Run the extra step only when asked."""

    mode = Parameter("mode", default="full", help="'full' or 'quick'")

    @card
    @step
    def start(self):
        self.trace = ["start"]
        self.next(
            {"full": self.enrich, "quick": self.end},
            condition="mode",
        )

    @step
    def enrich(self):
        self.trace = self.trace + ["enrich"]
        self.next(self.end)

    @step
    def end(self):
        print(" -> ".join(getattr(self, "trace", [])))


if __name__ == "__main__":
    ConditionalSkipFlow()
