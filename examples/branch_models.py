"""Train two simple models side by side and keep the better one."""

import random

from metaflow import FlowSpec, Parameter, catch, step


def mse(pairs, predict):
    return sum((y - predict(x)) ** 2 for x, y in pairs) / len(pairs)


class BranchModelsFlow(FlowSpec):
    """A static branch: a mean baseline against a one-feature linear model."""

    seed = Parameter("seed", default=7, type=int, help="Random seed for the synthetic data.")

    @step
    def start(self):
        rng = random.Random(self.seed)
        self.data = [(x, 3.0 * x + rng.gauss(0, 1)) for x in range(50)]
        self.next(self.baseline, self.linear)

    @step
    def baseline(self):
        """Predict the mean of y everywhere."""
        mean = sum(y for _, y in self.data) / len(self.data)
        self.model = {"kind": "mean", "value": mean}
        self.score = mse(self.data, lambda x: mean)
        self.next(self.choose)

    @catch(var="linear_error")
    @step
    def linear(self):
        """Fit y = b*x through the origin."""
        slope = sum(x * y for x, y in self.data) / sum(x * x for x, _ in self.data)
        self.model = {"kind": "linear", "slope": slope}
        self.score = mse(self.data, lambda x: slope * x)
        self.next(self.choose)

    @step
    def choose(self, inputs):
        """Keep the model with the lowest error."""
        best = min(inputs, key=lambda branch: branch.score)
        self.model, self.score = best.model, best.score
        self.baseline_score = inputs.baseline.score
        self.merge_artifacts(inputs, include=["data"])
        self.next(self.end)

    @step
    def end(self):
        print("best model:", self.model["kind"], round(self.score, 3))


if __name__ == "__main__":
    BranchModelsFlow()
