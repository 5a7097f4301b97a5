"""Branches inside branches, and a foreach inside one of them."""

from metaflow import FlowSpec, step


class NestedBranchesFlow(FlowSpec):
    """Feature families computed in a tree of branches."""

    @step
    def start(self):
        self.base = [1, 2, 3, 4]
        self.next(self.numeric, self.text)

    @step
    def numeric(self):
        self.next(self.sums, self.products)

    @step
    def sums(self):
        self.feature = sum(self.base)
        self.next(self.numeric_join)

    @step
    def products(self):
        value = 1
        for item in self.base:
            value *= item
        self.feature = value
        self.next(self.numeric_join)

    @step
    def numeric_join(self, inputs):
        self.numeric_features = sorted(i.feature for i in inputs)
        self.next(self.all_features)

    @step
    def text(self):
        self.words = ["one", "two", "three"]
        self.next(self.word_length, foreach="words")

    @step
    def word_length(self):
        self.length = len(self.input)
        self.next(self.text_join)

    @step
    def text_join(self, inputs):
        self.text_features = [i.length for i in inputs]
        self.next(self.all_features)

    @step
    def all_features(self, inputs):
        self.features = inputs.numeric_join.numeric_features + inputs.text_join.text_features
        self.next(self.end)

    @step
    def end(self):
        print("features:", self.features)


if __name__ == "__main__":
    NestedBranchesFlow()
