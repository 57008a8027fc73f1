"""A matplotlib figure for the examples' plots, without pyplot's global state (the Agg canvas), and
its saving; None with a message when matplotlib is not installed (the examples still print)."""
import os


def new_figure(rows=1, cols=1, size=(6, 4)):
    """``(figure, axes)``, axes a list of rows * cols; None when matplotlib is missing."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        print("(no plot: pip install matplotlib)")
        return None
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(rows, cols, k + 1) for k in range(rows * cols)]


def save_figure(fig, path):
    """Write ``fig`` to ``path`` (folders made as needed) and say where."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    print(f"plot: {path}")
