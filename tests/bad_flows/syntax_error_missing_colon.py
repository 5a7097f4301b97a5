# expect: FLC001 line 7 col 20
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self)
        self.next(self.end)

    @step
    def end(self):
        pass
