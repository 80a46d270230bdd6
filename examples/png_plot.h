// examples/png_plot.h — a PLplot session drawing into a PNG file, written atomically.
//
// PLplot writes the file when the session ends. The session draws into a temporary name next to the
// target and renames it at the end, so an existing plot is never left half-written. Colours: 0 white
// (background), 1 black (axes and text), 2 blue and 3 red (the two series), as matplotlib's defaults.
//
//   {
//     PngPlot plot("curves.png", 800, 600);
//     plenv(0, 10, 0, 1, 0, 0);
//     plcol0(PngPlot::kBlue);
//     plline(n, x, y);
//   }  // curves.png is complete here
#pragma once

#include <plplot/plplot.h>

#include <filesystem>
#include <string>

class PngPlot {
 public:
  static constexpr PLINT kBlack = 1, kBlue = 2, kRed = 3;

  PngPlot(std::filesystem::path file, int width, int height, int columns = 1)
      : file_(std::move(file)), temporary_(file_.string() + ".tmp") {
    plsdev("pngcairo");
    plsfnam(temporary_.c_str());
    plspage(0, 0, width, height, 0, 0);
    plscol0(0, 255, 255, 255);
    plscol0(kBlack, 0, 0, 0);
    plscol0(kBlue, 31, 119, 180);
    plscol0(kRed, 214, 39, 40);
    if (columns > 1) plssub(columns, 1);
    plinit();
    plcol0(kBlack);
  }
  ~PngPlot() {
    plend();
    std::error_code ignored;
    std::filesystem::rename(temporary_, file_, ignored);
  }
  PngPlot(const PngPlot&) = delete;
  PngPlot& operator=(const PngPlot&) = delete;

 private:
  std::filesystem::path file_;
  std::string temporary_;
};
