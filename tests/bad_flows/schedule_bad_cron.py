# expect: FLC307 line 5
from flowc import FlowSpec, schedule, step


@schedule(cron="every day at noon")
class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
