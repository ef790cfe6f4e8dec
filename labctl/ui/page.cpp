// The page at / : assets/index.html with app.css, app.js and the Sankey's hover script and style (the same ones
// report.html inlines) put in place of their markers.
#include "labctl/report/sankey.hpp"
#include "labctl/ui/server.hpp"

namespace flowlab::ui {

namespace assets {
extern const char* const kIndexHtml;
extern const char* const kAppJs;
extern const char* const kAppCss;
}  // namespace assets

namespace {

void replace_marker(std::string& page, const std::string& marker, const std::string& text) {
  const auto at = page.find(marker);
  if (at != std::string::npos) {
    page.replace(at, marker.size(), text);
  }
}

}  // namespace

std::string page_html() {
  std::string page = assets::kIndexHtml;
  replace_marker(page, "/*APP_CSS*/", std::string(assets::kAppCss) + report::kSankeyHoverStyle);
  replace_marker(page, "/*SANKEY_HOVER*/", report::kSankeyHoverScript);
  replace_marker(page, "/*APP_JS*/", assets::kAppJs);
  return page;
}

}  // namespace flowlab::ui
