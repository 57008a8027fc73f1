"""Reductions: sums, means, products, variance; extrema; cumulative ops; sorting and order statistics;
statistics built from them (quantiles, covariance, histograms)."""
