# expect: FLC204 line 6 col 14
from flowc import FlowSpec, Parameter, step


class BadFlow(FlowSpec):
    epochs = Parameter("epochs", default="ten", type=int)

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
