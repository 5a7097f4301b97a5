# expect: FLC201 line 6
from flowc import FlowSpec, Parameter, step


class BadFlow(FlowSpec):
    name = Parameter("name", default="model")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
