// Self-contained SVG charts for the study report (no plotting library needed; any browser or
// Markdown viewer renders them).
#pragma once

#include <string>
#include <vector>

namespace gct::host {

struct LineSeries {
  std::string label;
  std::string color;          // CSS colour
  bool dashed = false;
  std::vector<double> x, y;   // the line (mean)
  std::vector<double> lo, hi; // optional band (e.g. mean - std, mean + std), same length as x
};

struct LinePanel {
  std::string title;
  std::vector<LineSeries> series;
};

// A grid of small line charts sharing axis labels; each panel has its own y range.
std::string line_panels_svg(const std::string& title, const std::string& x_label,
                            const std::string& y_label, const std::vector<LinePanel>& panels,
                            int columns);

struct BarGroup {
  std::string label;              // e.g. optimizer
  std::vector<double> value, err; // one per series
};

// Grouped bars with error bars (value +- err); one colour per series.
std::string bar_chart_svg(const std::string& title, const std::string& y_label,
                          const std::vector<std::string>& series_labels,
                          const std::vector<std::string>& series_colors,
                          const std::vector<BarGroup>& groups);

// Round tick values covering [lo, hi] (about `count` of them).
std::vector<double> nice_ticks(double lo, double hi, int count);

}  // namespace gct::host
