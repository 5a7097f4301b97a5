# expect: FLC107 line 7
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
