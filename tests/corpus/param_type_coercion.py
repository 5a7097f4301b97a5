"""Defaults written loosely: an int default for a float parameter (Metaflow converts it)."""

from metaflow import FlowSpec, Parameter, step


class LooseDefaultsFlow(FlowSpec):
    """Report the exact values the steps receive."""

    momentum = Parameter("momentum", type=float, default=1, help="An int default for a float")
    decay = Parameter("decay", type=float, default=0.5)

    @step
    def start(self):
        self.kinds = (type(self.momentum).__name__, type(self.decay).__name__)
        self.next(self.end)

    @step
    def end(self):
        print("values:", repr(self.momentum), repr(self.decay), self.kinds)


if __name__ == "__main__":
    LooseDefaultsFlow()
