# expect: FLC203 line 7
from flowc import FlowSpec, Parameter, step


class BadFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.1)
    alpha_again = Parameter("alpha", default=0.2)

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
