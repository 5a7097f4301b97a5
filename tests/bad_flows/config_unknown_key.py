# expect: FLC503 line 8 col 50
from metaflow import Config, FlowSpec, resources, step


class UnknownKeyFlow(FlowSpec):
    settings = Config("settings", default_value={"cpu": 2, "memory": 4096})

    @resources(cpu=settings.cpu, memory=settings.memroy)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
