# expect: FLC110 line 9
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2]
        self.next(self.end, for_each="items")

    @step
    def end(self):
        pass
