"""Train by gradient descent one epoch per task until the loss converges (recursion)."""

import metaflow as mf


class RecursiveTrainingFlow(mf.FlowSpec):
    """A switch case that returns to its own step: a bounded training loop."""

    learning_rate = mf.Parameter("learning_rate", default=0.1, type=float)
    tolerance = mf.Parameter("tolerance", default=0.001, type=float)

    @mf.step
    def start(self):
        self.weight = 0.0
        self.epoch = 0
        self.data = [(x, 2.0 * x) for x in range(1, 6)]
        self.next(self.train)

    @mf.retry(times=1)
    @mf.step
    def train(self):
        """One epoch of gradient descent on y = w*x."""
        grad = sum(2 * (self.weight * x - y) * x for x, y in self.data) / len(self.data)
        self.weight -= self.learning_rate * grad / 10
        self.loss = sum((self.weight * x - y) ** 2 for x, y in self.data) / len(self.data)
        self.epoch += 1
        self.status = "done" if self.loss < self.tolerance or self.epoch >= 20 else "again"
        self.next({"again": self.train, "done": self.end}, condition="status")

    @mf.step
    def end(self):
        print(f"w={self.weight:.4f} after {self.epoch} epochs, loss {self.loss:.5f}")


if __name__ == "__main__":
    RecursiveTrainingFlow()
