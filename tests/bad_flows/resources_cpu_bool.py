# expect: FLC303 line 6
from flowc import FlowSpec, retry, resources, schedule, step, timeout


class BadFlow(FlowSpec):
    @resources(cpu=True)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
