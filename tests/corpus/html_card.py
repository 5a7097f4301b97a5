"""The built-in html card: the step sets self.html and the card shows it."""

from metaflow import FlowSpec, card, step


class HtmlCardFlow(FlowSpec):
    """Render a small HTML report."""

    @card(type="html")
    @step
    def start(self):
        rows = "".join(f"<tr><td>{i}</td><td>{i * i}</td></tr>" for i in range(3))
        self.html = f"<h1>Squares</h1><table>{rows}</table>"
        self.next(self.end)

    @step
    def end(self):
        print("html bytes:", len(self.html))


if __name__ == "__main__":
    HtmlCardFlow()
