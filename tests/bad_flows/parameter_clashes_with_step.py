# expect: FLC202 line 6
from flowc import FlowSpec, Parameter, step


class BadFlow(FlowSpec):
    train = Parameter("train", default=True)

    @step
    def start(self):
        self.next(self.train)

    @step
    def train(self):
        self.next(self.end)

    @step
    def end(self):
        pass
