# expect: FLC121 line 9
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.mode = "fast"
        self.next({"fast": self.a, "slow": self.end}, condition=self.mode)

    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass
