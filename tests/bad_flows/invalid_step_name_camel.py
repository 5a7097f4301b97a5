# expect: FLC105 line 11
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.trainModel)

    @step
    def trainModel(self):
        self.next(self.end)

    @step
    def end(self):
        pass
