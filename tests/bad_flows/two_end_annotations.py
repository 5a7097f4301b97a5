# expect: FLC102 line 15
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.first, self.second)

    @step(end=True)
    def first(self):
        pass

    @step(end=True)
    def second(self):
        pass
