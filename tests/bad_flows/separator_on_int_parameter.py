# expect: FLC208 line 6 col 13
from metaflow import FlowSpec, Parameter, step


class SeparatorOnIntFlow(FlowSpec):
    sizes = Parameter("sizes", type=int, default=3, separator=",")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
