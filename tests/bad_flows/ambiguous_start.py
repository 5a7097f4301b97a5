# expect: FLC103 line 11
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step(start=True)
    def begin(self):
        self.next(self.start)

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
