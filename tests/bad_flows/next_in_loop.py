# expect: FLC109 line 9
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        for target in ["a", "b"]:
            self.next(self.end)
        self.next(self.end)

    @step
    def end(self):
        pass
