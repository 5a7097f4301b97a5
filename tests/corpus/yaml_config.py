"""A YAML config parsed with a named parser, as many projects keep their settings."""

from metaflow import Config, FlowSpec, resources, step


class YamlConfigFlow(FlowSpec):
    """Train the model the YAML file describes."""

    cfg = Config("cfg", default="corpus_model.yaml", parser="yaml.safe_load")

    @resources(memory=cfg.resources.memory)
    @step
    def start(self):
        self.model = f"{self.cfg.model.name}(alpha={self.cfg.model.alpha})"
        self.next(self.end)

    @step
    def end(self):
        print("model:", self.model)


if __name__ == "__main__":
    YamlConfigFlow()
