"""@pypi_base whose packages come from a helper call over a shared pin table,
as projects keep versions in one place."""

from metaflow import FlowSpec, pypi_base, step

from corpus_common import PYTHON, packages


@pypi_base(python=PYTHON, packages=packages("pandas", "numpy"))
class ComputedPinsFlow(FlowSpec):
    """Describe a frame."""

    @step
    def start(self):
        import pandas as pd

        self.rows = len(pd.DataFrame({"a": [1, 2]}))
        self.next(self.end)

    @step
    def end(self):
        print(self.rows)


if __name__ == "__main__":
    ComputedPinsFlow()
