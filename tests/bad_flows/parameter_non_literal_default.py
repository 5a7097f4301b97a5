# expect: FLC205 line 8
import random

from flowc import FlowSpec, Parameter, step


class BadFlow(FlowSpec):
    seed = Parameter("seed", default=3, help=random.choice(["a", "b"]))

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
