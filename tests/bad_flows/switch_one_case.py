# expect: FLC121 line 9
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.mode = "only"
        self.next({"only": self.end}, condition="mode")

    @step
    def end(self):
        pass
