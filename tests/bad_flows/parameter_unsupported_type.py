# expect: FLC208 line 6
from flowc import FlowSpec, Parameter, step


class BadFlow(FlowSpec):
    sizes = Parameter("sizes", default=[1, 2], type=list)

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
