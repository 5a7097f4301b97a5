# expect: FLC001 line 9
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        x = 1
          self.next(self.end)

    @step
    def end(self):
        pass
