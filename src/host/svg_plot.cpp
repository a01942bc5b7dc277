#include "host/svg_plot.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace gct::host {
namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

// Enough decimals that neighbouring ticks differ (2.5 steps need one, 0.25 two).
std::string tick_label(double v, double step) {
  int decimals = 0;
  while (decimals < 6 && std::fabs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6) {
    ++decimals;
  }
  return fmt::format("{:.{}f}", v, decimals);
}

const char* kFont = "font-family=\"DejaVu Sans, Arial, sans-serif\"";

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int count) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, count);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  std::vector<double> ticks;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push_back(v);
  return ticks;
}

namespace {

// A panel's plotting area in pixels and the data range it shows.
struct Frame {
  int x0, x1, y0, y1;
  double xmin, xmax, ymin, ymax;
  double x(double v) const { return x0 + (v - xmin) / (xmax - xmin) * (x1 - x0); }
  double y(double v) const { return y0 - (v - ymin) / (ymax - ymin) * (y0 - y1); }
};

// The range of every series of the panel, bands included, with 8 % room above and below; false if
// the panel has no points.
bool data_range(const LinePanel& p, Frame* f) {
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const auto& se : p.series) {
    for (size_t k = 0; k < se.x.size(); ++k) {
      xmin = std::min(xmin, se.x[k]);
      xmax = std::max(xmax, se.x[k]);
      const double lo = se.lo.empty() ? se.y[k] : se.lo[k], hi = se.hi.empty() ? se.y[k] : se.hi[k];
      ymin = std::min(ymin, std::min(lo, se.y[k]));
      ymax = std::max(ymax, std::max(hi, se.y[k]));
    }
  }
  if (!std::isfinite(xmin)) return false;
  if (xmax == xmin) xmax = xmin + 1;
  const double pad = (ymax - ymin) * 0.08 + 1e-9;
  f->xmin = xmin;
  f->xmax = xmax;
  f->ymin = ymin - pad;
  f->ymax = ymax + pad;
  return true;
}

// One legend for all panels (they share their series), under the title.
std::string legend(const std::vector<LinePanel>& panels, int width) {
  std::string s;
  if (panels.empty()) return s;
  int lx = width / 2 - 90 * static_cast<int>(panels[0].series.size());
  for (const auto& se : panels[0].series) {
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"40\" y2=\"40\" stroke=\"{}\" stroke-width=\"2\"{}/>"
                     "<text x=\"{}\" y=\"44\" font-size=\"12\" {}>{}</text>\n",
                     lx, lx + 26, se.color, se.dashed ? " stroke-dasharray=\"6,4\"" : "", lx + 32, kFont, esc(se.label));
    lx += 180;
  }
  return s;
}

// Grid lines, tick labels, the frame and the axis labels of one panel.
std::string axes(const Frame& f, int ox, const std::string& x_label, const std::string& y_label) {
  std::string s;
  const auto yt = nice_ticks(f.ymin, f.ymax, 5);
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double v : yt) {
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e5e5e5\"/>\n", f.x0, f.x1, f.y(v), f.y(v));
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"11\" {}>{}</text>\n", f.x0 - 4,
                     f.y(v) + 4, kFont, tick_label(v, ystep));
  }
  const auto xt = nice_ticks(f.xmin, f.xmax, 5);
  const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1;
  for (double v : xt) {
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" {}>{}</text>\n", f.x(v),
                     f.y0 + 15, kFont, tick_label(v, xstep));
  }
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", f.x0, f.y1,
                   f.x1 - f.x0, f.y0 - f.y1);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" {}>{}</text>\n", (f.x0 + f.x1) / 2,
                   f.y0 + 32, kFont, esc(x_label));
  s += fmt::format("<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\" font-size=\"11\" {}>{}</text>\n",
                   ox + 14, (f.y0 + f.y1) / 2, kFont, esc(y_label));
  return s;
}

// Each series as a line, over its band where it has one.
std::string series_lines(const LinePanel& p, const Frame& f) {
  std::string s;
  for (const auto& se : p.series) {
    if (!se.lo.empty()) {
      std::string pts;
      for (size_t k = 0; k < se.x.size(); ++k) pts += fmt::format("{:.1f},{:.1f} ", f.x(se.x[k]), f.y(se.hi[k]));
      for (size_t k = se.x.size(); k-- > 0;) pts += fmt::format("{:.1f},{:.1f} ", f.x(se.x[k]), f.y(se.lo[k]));
      s += fmt::format("<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"0.18\" stroke=\"none\"/>\n", pts, se.color);
    }
    std::string pts;
    for (size_t k = 0; k < se.x.size(); ++k) pts += fmt::format("{:.1f},{:.1f} ", f.x(se.x[k]), f.y(se.y[k]));
    s += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", pts, se.color,
                     se.dashed ? " stroke-dasharray=\"6,4\"" : "");
  }
  return s;
}

}  // namespace

std::string line_panels_svg(const std::string& title, const std::string& x_label,
                            const std::string& y_label, const std::vector<LinePanel>& panels,
                            int columns) {
  const int pw = 330, ph = 240, top = 56, left = 20;
  const int rows = (static_cast<int>(panels.size()) + columns - 1) / columns;
  const int width = left + columns * pw + 20, height = top + rows * ph + 40;
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"28\" text-anchor=\"middle\" font-size=\"18\" {}>{}</text>\n",
      width, height, width, height, width / 2, kFont, esc(title));
  s += legend(panels, width);
  for (size_t i = 0; i < panels.size(); ++i) {
    const LinePanel& p = panels[i];
    const int ox = left + static_cast<int>(i % columns) * pw, oy = top + static_cast<int>(i / columns) * ph;
    Frame f{ox + 55, ox + pw - 15, oy + ph - 45, oy + 25, 0, 0, 0, 0};
    if (!data_range(p, &f)) continue;
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\" {}>{}</text>\n",
                     (f.x0 + f.x1) / 2, oy + 16, kFont, esc(p.title));
    s += axes(f, ox, x_label, y_label);
    s += series_lines(p, f);
  }
  return s + "</svg>\n";
}

std::string bar_chart_svg(const std::string& title, const std::string& y_label,
                          const std::vector<std::string>& labels, const std::vector<std::string>& colors,
                          const std::vector<BarGroup>& groups) {
  const int width = 120 + static_cast<int>(groups.size()) * 130, height = 380;
  const int x0 = 70, x1 = width - 20, y0 = height - 60, y1 = 60;
  double ymax = 0;
  for (const auto& g : groups)
    for (size_t k = 0; k < g.value.size(); ++k) ymax = std::max(ymax, g.value[k] + (k < g.err.size() ? g.err[k] : 0));
  ymax = ymax <= 0 ? 1 : ymax * 1.1;
  auto Y = [&](double v) { return y0 - v / ymax * (y0 - y1); };
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"28\" text-anchor=\"middle\" font-size=\"18\" {}>{}</text>\n",
      width, height, width, height, width / 2, kFont, esc(title));
  const auto yt = nice_ticks(0, ymax, 6);
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double v : yt) {
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e5e5e5\"/>\n", x0, x1, Y(v), Y(v));
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"11\" {}>{}</text>\n", x0 - 4, Y(v) + 4,
                     kFont, tick_label(v, ystep));
  }
  s += fmt::format("<text transform=\"translate(20,{}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" {}>{}</text>\n",
                   (y0 + y1) / 2, kFont, esc(y_label));
  const double gw = static_cast<double>(x1 - x0) / std::max<size_t>(1, groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    const size_t n = groups[g].value.size();
    const double bw = gw * 0.7 / std::max<size_t>(1, n);
    for (size_t k = 0; k < n; ++k) {
      const double v = groups[g].value[k], e = k < groups[g].err.size() ? groups[g].err[k] : 0;
      const double bx = x0 + g * gw + gw * 0.15 + k * bw;
      s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n", bx, Y(v),
                       bw - 2, y0 - Y(v), colors[k % colors.size()]);
      if (e > 0) {
        const double cx = bx + (bw - 2) / 2;
        s += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"black\"/>"
                         "<line x1=\"{3:.1f}\" x2=\"{4:.1f}\" y1=\"{1:.1f}\" y2=\"{1:.1f}\" stroke=\"black\"/>"
                         "<line x1=\"{3:.1f}\" x2=\"{4:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"black\"/>\n",
                         cx, Y(v + e), Y(std::max(0.0, v - e)), cx - 5, cx + 5);
      }
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"10\" {}>{:.1f}</text>\n",
                       bx + (bw - 2) / 2, Y(v + e) - 4, kFont, v);
    }
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" {}>{}</text>\n",
                     x0 + g * gw + gw / 2, y0 + 20, kFont, esc(groups[g].label));
  }
  s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#999\"/>\n", x0, x1, y0, y0);
  for (size_t k = 0; k < labels.size(); ++k) {
    const int lx = x0 + 10 + static_cast<int>(k) * 150;
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{}\"/>"
                     "<text x=\"{}\" y=\"{}\" font-size=\"12\" {}>{}</text>\n",
                     lx, y1 - 22, colors[k % colors.size()], lx + 20, y1 - 10, kFont, esc(labels[k]));
  }
  return s + "</svg>\n";
}

}  // namespace gct::host
