# expect: FLC501 line 6 col 43
from metaflow import Config, FlowSpec, resources, step


class MissingConfigFlow(FlowSpec):
    settings = Config("settings", default="no_such_config.json")

    @resources(cpu=settings.cpu)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
