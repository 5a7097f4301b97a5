# expect: FLC101 line 11
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step(start=True)
    def begin(self):
        self.next(self.middle)

    @step(start=True)
    def middle(self):
        self.next(self.end)

    @step
    def end(self):
        pass
