# expect: FLC101 line 5
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def begin(self):
        self.next(self.end)

    @step
    def end(self):
        pass
