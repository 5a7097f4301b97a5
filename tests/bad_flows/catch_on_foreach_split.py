# expect: FLC127 line 6 col 5
from metaflow import FlowSpec, catch, step


class CatchOnForeachFlow(FlowSpec):
    @catch(var="failure")
    @step
    def start(self):
        self.items = [1, 2, 3]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
