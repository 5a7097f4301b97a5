"""Hyper-parameter grid as a nested foreach: models outside, learning rates inside."""

from metaflow import FlowSpec, step


def fake_loss(model, rate):
    """A deterministic stand-in for training."""
    return round(len(model) * rate + 1.0 / (1 + rate), 4)


class GridSearchFlow(FlowSpec):
    """Train every (model, rate) pair and keep the best per model, then overall."""

    RATES = [0.1, 0.01]

    @step
    def start(self):
        self.models = ["linear", "tree", "boost"]
        self.next(self.per_model, foreach="models")

    @step
    def per_model(self):
        self.model = self.input
        self.rates = list(self.RATES)
        self.next(self.train, foreach="rates")

    @step
    def train(self):
        self.rate = self.input
        self.loss = fake_loss(self.model, self.rate)
        self.next(self.best_rate)

    @step
    def best_rate(self, inputs):
        best = min(inputs, key=lambda i: i.loss)
        self.model = best.model
        self.best = (best.rate, best.loss)
        self.next(self.best_model)

    @step
    def best_model(self, inputs):
        self.results = {i.model: i.best for i in inputs}
        self.winner = min(self.results, key=lambda m: self.results[m][1])
        self.next(self.end)

    @step
    def end(self):
        print("winner:", self.winner, self.results[self.winner])


if __name__ == "__main__":
    GridSearchFlow()
