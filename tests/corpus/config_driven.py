"""Metaflow Config: a JSON file drives decorator arguments, a parameter default and the
step bodies (attribute and item access, config_expr)."""

from metaflow import Config, FlowSpec, Parameter, config_expr, project, resources, step


@project(name=config_expr("settings.project"))
class ConfigDrivenFlow(FlowSpec):
    """Train with the settings from corpus_settings.json."""

    settings = Config("settings", default="corpus_settings.json")
    epochs = Parameter("epochs", default=config_expr("settings.training.epochs"))

    @step
    def start(self):
        self.rate = self.settings.training.learning_rate
        self.regions = list(self.settings["regions"])
        self.next(self.train, foreach="regions")

    @resources(cpu=settings.resources.cpu, memory=settings.resources.memory)
    @step
    def train(self):
        self.region = self.input
        self.loss = round(1.0 / (self.epochs * self.rate * (1 + len(self.region))), 4)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.losses = {i.region: i.loss for i in inputs}
        self.next(self.end)

    @step
    def end(self):
        print("losses:", sorted(self.losses.items()))


if __name__ == "__main__":
    ConfigDrivenFlow()
