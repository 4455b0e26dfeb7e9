"""The exposure plot is a share of walks: its axis stays within 0..100% even for all-zero series."""

from vigil.audit import plots


def test_exposure_axis_never_goes_negative(monkeypatch):
    axes = []
    real = plots.plt.subplots

    def spy(*a, **k):
        fig, ax = real(*a, **k)
        axes.extend(ax.ravel())
        return fig, ax

    monkeypatch.setattr(plots.plt, "subplots", spy)
    audit = {"exposure_paths": {"p": {"all": {"walks": 50, "reached_within": {"1": 0.0, "2": 0.0, "3": 0.0}}}}}
    plots.exposure_plot(audit)
    assert axes, "the plot was drawn"
    lo, hi = axes[0].get_ylim()
    assert lo == 0 and hi == 100
