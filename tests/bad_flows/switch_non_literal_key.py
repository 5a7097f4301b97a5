# expect: FLC121 line 10 col 20
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.mode = "fast"
        key = "fast"
        self.next({key: self.a, "slow": self.end}, condition="mode")

    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass
