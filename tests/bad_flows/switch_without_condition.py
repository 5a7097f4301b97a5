# expect: FLC121 line 8
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next({"a": self.a, "b": self.end})

    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass
