# expect: FLC207 line 6
from flowc import FlowSpec, Parameter, step


class BadFlow(FlowSpec):
    rate = Parameter("learning rate!", default=0.1)

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
