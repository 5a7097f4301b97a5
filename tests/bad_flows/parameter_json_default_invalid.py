# expect: FLC204 line 6
from flowc import FlowSpec, JSONType, Parameter, step


class BadFlow(FlowSpec):
    config = Parameter("config", default="{not json", type=JSONType)

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
