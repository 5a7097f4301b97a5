# expect: FLC206 line 6 col 45
from flowc import FlowSpec, Parameter, step


class BadFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.1, halp="typo")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
