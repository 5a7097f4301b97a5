# expect: FLC504 line 5 col 15
from metaflow import Config, FlowSpec, project, step


@project(name=settings.project)
class FlowLevelFlow(FlowSpec):
    settings = Config("settings", default_value={"project": "demo"})

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
