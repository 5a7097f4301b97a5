# expect: FLC111 line 8 col 9
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.trian)

    @step
    def train(self):
        self.next(self.end)

    @step
    def end(self):
        pass
