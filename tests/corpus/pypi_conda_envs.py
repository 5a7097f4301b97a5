"""Dependency management as data-science flows write it: a flow-wide @pypi_base,
per-step @pypi overrides, a @conda step, imports inside the step bodies."""

from metaflow import FlowSpec, conda, pypi, pypi_base, step

PYTHON = "3.11"


@pypi_base(python=PYTHON, packages={"pandas": "2.2.2", "numpy": "1.26.4"})
class DependencyEnvFlow(FlowSpec):
    """Load with pandas, fit with scikit-learn, plot with matplotlib from conda."""

    @step
    def start(self):
        import pandas as pd

        self.frame = pd.DataFrame({"x": [1, 2, 3], "y": [2, 4, 6]})
        self.next(self.fit)

    @pypi(packages={"scikit-learn": "1.5.2"})
    @step
    def fit(self):
        from sklearn.linear_model import LinearRegression

        model = LinearRegression().fit(self.frame[["x"]], self.frame["y"])
        self.slope = float(model.coef_[0])
        self.next(self.plot)

    @conda(libraries={"matplotlib": "3.8.4"}, python="3.11")
    @step
    def plot(self):
        import matplotlib

        self.backend = matplotlib.get_backend()
        self.next(self.end)

    @step
    def end(self):
        print("slope", self.slope)


if __name__ == "__main__":
    DependencyEnvFlow()
